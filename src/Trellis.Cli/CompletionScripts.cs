namespace Trellis.Daemon.Cli;

/// <summary>
/// Shell completion scripts. Each asks <c>trellis</c> itself through System.CommandLine's <c>[suggest:POSITION]</c>
/// directive, so commands, options, signals and the running tree's node names complete from one source.
/// </summary>
internal static class CompletionScripts
{
    public static string For(string shell) => shell == "zsh" ? Zsh : Bash;

    private const string Bash = """
        # trellis completion for bash: source <(trellis completion bash), or save it in
        # /etc/bash_completion.d/trellis
        _trellis_complete() {
            local IFS=$'\n'
            local candidates
            candidates=$("${COMP_WORDS[0]}" "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
            COMPREPLY=($(compgen -W "${candidates}" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _trellis_complete trellis

        """;

    private const string Zsh = """
        #compdef trellis
        # trellis completion for zsh: save as _trellis in a directory on your fpath, or
        # source <(trellis completion zsh) after compinit
        _trellis() {
            local -a candidates
            candidates=("${(@f)$(${words[1]} "[suggest:${CURSOR}]" "${BUFFER}" 2>/dev/null)}")
            compadd -- "${candidates[@]}"
        }
        if [ "$funcstack[1]" = "_trellis" ]; then
            _trellis "$@"
        else
            compdef _trellis trellis
        fi

        """;
}
