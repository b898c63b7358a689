%% A supervisor callback whose init returns the {Flags, Specs} it is given.
-module(trellis_bench_sup).
-behaviour(supervisor).
-export([init/1]).
init({Flags, Specs}) -> {ok, {Flags, Specs}}.
