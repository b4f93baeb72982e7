package dev.kboot.cli;

import dev.kboot.launcher.ExitCode;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kboot completion bash|zsh}: the shell completion script, made by picocli's
 * {@link AutoComplete} from kboot's own command model (the build writes the same script to
 * cli/target/completion/kboot, which scripts/setup.sh installs). One script serves both shells:
 * in zsh it loads bashcompinit itself.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print the shell completion script for kboot (bash or zsh).",
                "bash: source <(kboot completion bash), or install it as /usr/share/bash-completion/completions/kboot "
                        + "(scripts/setup.sh does). zsh: source <(kboot completion zsh) in ~/.zshrc."})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", arity = "0..1", defaultValue = "bash", completionCandidates = Shells.class,
            description = "bash or zsh (default: ${DEFAULT-VALUE}).")
    String shell;

    /** The shells, for completion and help. */
    static final class Shells implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("bash", "zsh").iterator();
        }
    }

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw dev.kboot.launcher.KbootException.usage("completion " + shell + ": expected bash or zsh");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(script());
        out.flush();
        return ExitCode.OK.code();
    }

    /** @return the completion script for the whole kboot command */
    static String script() {
        CommandLine root = Main.commandLine(System.out, System.err);
        return AutoComplete.bash("kboot", root);
    }
}
