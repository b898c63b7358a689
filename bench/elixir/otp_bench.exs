# Elixir's side of bench/Trellis.Bench.Otp, run in the same bench run:
#   elixir --erl "+S CORES" otp_bench.exs CORES ITERATIONS ROUNDTRIPS
# Prints "registry CORES OPS_PER_SECOND" and "async_nolink NANOSECONDS_PER_ROUND_TRIP".
[cores, n, m] = System.argv() |> Enum.map(&String.to_integer/1)
{:ok, _} = Registry.start_link(keys: :unique, name: BenchRegistry, partitions: cores)
per = div(n, cores)

run = fn ->
  parent = self()
  t0 = System.monotonic_time()

  for w <- 1..cores do
    spawn_link(fn ->
      for i <- 1..per do
        key = {w, i}
        {:ok, _} = Registry.register(BenchRegistry, key, i)
        [{_, ^i}] = Registry.lookup(BenchRegistry, key)
        :ok = Registry.unregister(BenchRegistry, key)
      end

      send(parent, :done)
    end)
  end

  for _ <- 1..cores, do: receive(do: (:done -> :ok))
  System.convert_time_unit(System.monotonic_time() - t0, :native, :microsecond)
end

run.()
us = Enum.min(for _ <- 1..3, do: run.())
IO.puts("registry #{cores} #{round(3 * per * cores / (us / 1_000_000))}")

{:ok, tasks} = Task.Supervisor.start_link()

round_trips = fn ->
  t0 = System.monotonic_time()

  for _ <- 1..m do
    task = Task.Supervisor.async_nolink(tasks, fn -> 1 end)
    1 = Task.await(task)
  end

  System.convert_time_unit(System.monotonic_time() - t0, :native, :nanosecond)
end

round_trips.()
ns = Enum.min(for _ <- 1..3, do: round_trips.())
IO.puts("async_nolink #{round(ns / m)}")
