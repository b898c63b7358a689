%% The Erlang side of Trellis's core benchmark: the same workloads as bench/Trellis.Bench,
%% printed as "name value" lines for the .NET harness to read.
-module(trellis_bench).
-behaviour(gen_server).
-export([main/1, init/1, handle_call/3, handle_cast/2, handle_info/2, start_worker/0, start_named/1]).

main([N1, N2, N3, N4]) ->
    logger:set_primary_config(level, none),
    Spawns = list_to_integer(N1), Children = list_to_integer(N2),
    Crashes = list_to_integer(N3), Calls = list_to_integer(N4),
    spawn_exit(Spawns),
    idle_memory(Children),
    %% The dynamic workload runs five times; the harness reports each figure's median (as the .NET side does).
    [dynamic(Children) || _ <- lists:seq(1, 5)],
    restart(Crashes),
    group_restart(one_for_all, 100, max(20, Crashes div 50)),
    group_restart(rest_for_one, 100, max(20, Crashes div 50)),
    call_rtt(Calls),
    casts(1, Calls * 20),
    casts(1000, Calls * 20),
    halt(0).

out(Name, Value) -> io:format("~s ~p~n", [Name, Value]).
now_us() -> erlang:monotonic_time(microsecond).

%% gen_server callbacks: ping answers pong; casts are counted.
init(_) -> {ok, 0}.
handle_call(ping, _From, N) -> {reply, pong, N};
handle_call(count, _From, N) -> {reply, N, N}.
handle_cast(_, N) -> {noreply, N + 1}.
handle_info(_, N) -> {noreply, N}.
start_worker() -> gen_server:start_link(?MODULE, [], []).
start_named(Name) -> gen_server:start_link({local, Name}, ?MODULE, [], []).

spawn_exit(N) ->
    Self = self(),
    T0 = now_us(),
    [spawn(fun() -> Self ! done end) || _ <- lists:seq(1, N)],
    [receive done -> ok end || _ <- lists:seq(1, N)],
    out("spawn_exit_us", (now_us() - T0) / N).

idle_memory(N) ->
    erlang:garbage_collect(),
    M0 = erlang:memory(total),
    Pids = [element(2, gen_server:start(?MODULE, [], [])) || _ <- lists:seq(1, N)],
    erlang:garbage_collect(),
    M1 = erlang:memory(total),
    out("idle_bytes", (M1 - M0) div N),
    [exit(P, kill) || P <- Pids],
    ok.

dynamic(N) ->
    Flags = #{strategy => simple_one_for_one, intensity => 3, period => 5},
    Spec = #{id => w, start => {?MODULE, start_worker, []}, shutdown => 5000},
    {ok, Sup} = supervisor:start_link(sup_cb(), {Flags, [Spec]}),
    unlink(Sup),
    erlang:garbage_collect(),
    M0 = erlang:memory(total),
    T0 = now_us(),
    [{ok, _} = supervisor:start_child(Sup, []) || _ <- lists:seq(1, N)],
    T1 = now_us(),
    erlang:garbage_collect(),
    M1 = erlang:memory(total),
    out("dyn_start_us", (T1 - T0) / N),
    out("dyn_bytes", (M1 - M0) div N),
    Counts = lists:sort([begin T2 = now_us(), _ = supervisor:count_children(Sup), now_us() - T2 end || _ <- lists:seq(1, 101)]),
    out("dyn_count_us", lists:nth(51, Counts)),
    T3 = now_us(), L = supervisor:which_children(Sup), N = length(L), out("dyn_which_ms", (now_us() - T3) / 1000),
    T4 = now_us(),
    Ref = monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, process, Sup, _} -> ok end,
    out("dyn_stop_ms", (now_us() - T4) / 1000).

%% A supervisor callback module made on the fly: init returns the flags and specs it is given.
sup_cb() -> trellis_bench_sup.

restart(N) ->
    Flags = #{strategy => one_for_one, intensity => 1000000, period => 1},
    Spec = #{id => w, start => {?MODULE, start_named, [bench_worker]}},
    {ok, Sup} = supervisor:start_link(sup_cb(), {Flags, [Spec]}),
    unlink(Sup),
    Lat = [one_restart(bench_worker) || _ <- lists:seq(1, N)],
    report("restart", Lat),
    stop_sup(Sup).

stop_sup(Sup) ->
    Ref = monitor(process, Sup),
    exit(Sup, shutdown),
    receive {'DOWN', Ref, process, Sup, _} -> ok end.

one_restart(Name) ->
    Old = whereis(Name),
    T0 = now_us(),
    exit(Old, kill),
    New = wait_new(Name, Old),
    pong = gen_server:call(New, ping),
    now_us() - T0.

wait_new(Name, Old) ->
    case whereis(Name) of
        P when is_pid(P), P =/= Old -> P;
        _ -> wait_new(Name, Old)
    end.

group_restart(Strategy, Size, Rounds) ->
    Flags = #{strategy => Strategy, intensity => 1000000, period => 1},
    Names = [list_to_atom(atom_to_list(Strategy) ++ integer_to_list(I)) || I <- lists:seq(1, Size)],
    Specs = [#{id => Nm, start => {?MODULE, start_named, [Nm]}} || Nm <- Names],
    {ok, Sup} = supervisor:start_link(sup_cb(), {Flags, Specs}),
    unlink(Sup),
    First = hd(Names), Last = lists:last(Names),
    Lat = [begin
               OldLast = whereis(Last),
               T0 = now_us(),
               exit(whereis(First), kill),
               New = wait_new(Last, OldLast),
               pong = gen_server:call(New, ping),
               now_us() - T0
           end || _ <- lists:seq(1, Rounds)],
    report(atom_to_list(Strategy), Lat),
    stop_sup(Sup).

call_rtt(N) ->
    {ok, S} = gen_server:start(?MODULE, [], []),
    [gen_server:call(S, ping) || _ <- lists:seq(1, 1000)],
    Lat = [begin T0 = erlang:monotonic_time(nanosecond), pong = gen_server:call(S, ping), erlang:monotonic_time(nanosecond) - T0 end
           || _ <- lists:seq(1, N)],
    Sorted = lists:sort(Lat),
    out("call_p50_ns", lists:nth(max(1, N div 2), Sorted)),
    out("call_p99_ns", lists:nth(max(1, (N * 99) div 100), Sorted)),
    exit(S, kill).

casts(Servers, N) ->
    Pids = list_to_tuple([element(2, gen_server:start(?MODULE, [], [])) || _ <- lists:seq(1, Servers)]),
    T0 = now_us(),
    cast_loop(Pids, Servers, N),
    [gen_server:call(element(I, Pids), count, infinity) || I <- lists:seq(1, Servers)],
    Secs = (now_us() - T0) / 1000000,
    out("casts_" ++ integer_to_list(Servers) ++ "_per_s", round(N / Secs)),
    [exit(element(I, Pids), kill) || I <- lists:seq(1, Servers)].

cast_loop(_, _, 0) -> ok;
cast_loop(Pids, Servers, N) ->
    gen_server:cast(element((N rem Servers) + 1, Pids), x),
    cast_loop(Pids, Servers, N - 1).

report(Name, Lat) ->
    Sorted = lists:sort(Lat), N = length(Sorted),
    out(Name ++ "_p50_us", lists:nth(max(1, N div 2), Sorted)),
    out(Name ++ "_p99_us", lists:nth(max(1, (N * 99) div 100), Sorted)).
