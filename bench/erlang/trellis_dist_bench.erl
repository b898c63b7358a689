%% The Erlang side of the distribution benchmark (bench/dist.sh): two or more nodes on 127.0.0.1, the same workloads
%% as bench/Trellis.Bench.Dist, printed as "name value" lines.
-module(trellis_dist_bench).
-behaviour(gen_server).
-export([serve/0, client/1, init/1, handle_call/3, handle_cast/2, handle_info/2, start_receivers/1, spawn_idle/0, os_pid/0]).

serve() ->
    logger:set_primary_config(level, none),
    {ok, _} = gen_server:start({local, bench_srv}, ?MODULE, [], []),
    ok.

init(_) -> {ok, 0}.
handle_call(ping, _From, N) -> {reply, pong, N};
handle_call(count, _From, N) -> {reply, N, N}.
handle_cast(_, N) -> {noreply, N + 1}.
handle_info(_, N) -> {noreply, N}.

start_receivers(K) -> [element(2, gen_server:start(?MODULE, [], [])) || _ <- lists:seq(1, K)].
spawn_idle() -> spawn(fun() -> receive stop -> ok end end).
os_pid() -> os:getpid().

out(Name, Value) -> io:format("~s ~p~n", [Name, Value]).
now_ns() -> erlang:monotonic_time(nanosecond).

client([PeerS, CallsS, CastsS, KillsS, StopsS, SetupsS, Dir]) ->
    logger:set_primary_config(level, none),
    Peer = list_to_atom(PeerS),
    pong = wait_ping(Peer, 200),
    ok = wait_registered(Peer, 200),
    Calls = list_to_integer(CallsS), Casts = list_to_integer(CastsS),
    call_rtt(Peer, Calls),
    casts(Peer, 1, Casts),
    casts(Peer, 1000, Casts),
    down_after_kill(list_to_integer(KillsS), Dir),
    stop_detection(list_to_integer(StopsS), Dir),
    setup(Peer, list_to_integer(SetupsS)),
    halt(0).

wait_ping(_, 0) -> pang;
wait_ping(Peer, N) ->
    case net_adm:ping(Peer) of
        pong -> pong;
        pang -> timer:sleep(50), wait_ping(Peer, N - 1)
    end.

wait_registered(_, 0) -> timeout;
wait_registered(Peer, N) ->
    case rpc:call(Peer, erlang, whereis, [bench_srv]) of
        P when is_pid(P) -> ok;
        _ -> timer:sleep(50), wait_registered(Peer, N - 1)
    end.

percentile(Sorted, P) -> lists:nth(max(1, (length(Sorted) * P) div 100), Sorted).

call_rtt(Peer, N) ->
    S = {bench_srv, Peer},
    [pong = gen_server:call(S, ping) || _ <- lists:seq(1, 2000)],
    Lat = lists:sort([begin T0 = now_ns(), pong = gen_server:call(S, ping), now_ns() - T0 end || _ <- lists:seq(1, N)]),
    out("call_p50_us", percentile(Lat, 50) / 1000),
    out("call_p99_us", percentile(Lat, 99) / 1000).

%% Senders each cast to their own receiver on the peer, then call it once (the call comes after its casts).
casts(Peer, Pairs, Total) ->
    Receivers = rpc:call(Peer, ?MODULE, start_receivers, [Pairs]),
    Per = Total div Pairs,
    Self = self(),
    T0 = now_ns(),
    [spawn(fun() -> [gen_server:cast(R, x) || _ <- lists:seq(1, Per)], Per = gen_server:call(R, count, infinity), Self ! done end) || R <- Receivers],
    [receive done -> ok end || _ <- Receivers],
    Secs = (now_ns() - T0) / 1.0e9,
    out("casts_" ++ integer_to_list(Pairs) ++ "_per_s", round(Per * Pairs / Secs)),
    [exit(R, kill) || R <- Receivers].

start_node(Name, Dir) ->
    Node = list_to_atom(Name ++ "@127.0.0.1"),
    Cmd = "erl -name " ++ Name ++ "@127.0.0.1 -setcookie " ++ atom_to_list(erlang:get_cookie())
        ++ " -kernel net_ticktime 4 -noshell -pa " ++ Dir ++ " -s trellis_dist_bench serve",
    Port = open_port({spawn, Cmd}, []),
    pong = wait_ping(Node, 200),
    ok = wait_registered(Node, 200),
    OsPid = rpc:call(Node, ?MODULE, os_pid, []),
    {Node, OsPid, Port}.

down_after_kill(K, Dir) ->
    Lat = lists:sort([begin
        {Node, OsPid, _} = start_node("victim" ++ integer_to_list(I), Dir),
        P = rpc:call(Node, ?MODULE, spawn_idle, []),
        Ref = monitor(process, P),
        %% The shell that runs kill costs the same here as in the Trellis harness; its cost (kill -0) is taken off.
        Shell = lists:min([begin S0 = now_ns(), os:cmd("kill -0 " ++ OsPid), now_ns() - S0 end || _ <- lists:seq(1, 5)]),
        T0 = now_ns() + Shell,
        os:cmd("kill -9 " ++ OsPid),
        receive {'DOWN', Ref, process, P, noconnection} -> ok end,
        now_ns() - T0
    end || I <- lists:seq(1, K)]),
    out("down_after_kill_ms", percentile(Lat, 50) / 1.0e6).

stop_detection(K, Dir) ->
    Lat = lists:sort([begin
        {Node, OsPid, _} = start_node("frozen" ++ integer_to_list(I), Dir),
        monitor_node(Node, true),
        Shell = lists:min([begin S0 = now_ns(), os:cmd("kill -0 " ++ OsPid), now_ns() - S0 end || _ <- lists:seq(1, 5)]),
        T0 = now_ns() + Shell,
        os:cmd("kill -STOP " ++ OsPid),
        receive {nodedown, Node} -> ok end,
        T = now_ns() - T0,
        os:cmd("kill -9 " ++ OsPid),
        T
    end || I <- lists:seq(1, K)]),
    out("stop_detected_ms", percentile(Lat, 50) / 1.0e6).

setup(Peer, K) ->
    Lat = lists:sort([begin
        erlang:disconnect_node(Peer),
        wait_gone(Peer),
        T0 = now_ns(),
        true = net_kernel:connect_node(Peer),
        now_ns() - T0
    end || _ <- lists:seq(1, K)]),
    out("setup_ms", percentile(Lat, 50) / 1.0e6).

wait_gone(Peer) ->
    case lists:member(Peer, nodes()) of
        true -> timer:sleep(1), wait_gone(Peer);
        false -> ok
    end.
