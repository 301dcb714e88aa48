package io.amibake.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code amibake completion bash|zsh}: a shell completion script, from picocli's generator. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a shell completion script for amibake's commands and options.",
                "Load it in the current shell with: source <(amibake completion bash)",
                "Or keep it: amibake completion bash > /etc/bash_completion.d/amibake. In zsh, the same script "
                        + "loads through bashcompinit: source <(amibake completion zsh)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:printed", "2:bad usage, or a shell other than bash or zsh"})
final class CompletionCommand implements Callable<Integer> {

    enum Shell { bash, zsh }

    @Parameters(paramLabel = "SHELL", description = "bash or zsh.")
    Shell shell;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        // picocli's script is bash's; it starts bashcompinit itself when zsh sources it.
        String script = AutoComplete.bash("amibake", spec.root().commandLine());
        spec.commandLine().getOut().print(script);
        spec.commandLine().getOut().flush();
        return AmibakeCommand.OK;
    }
}
