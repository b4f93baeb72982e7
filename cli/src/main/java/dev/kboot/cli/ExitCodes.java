package dev.kboot.cli;

import dev.kboot.launcher.ExitCode;
import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;

/**
 * The exit-code table of every kboot command's help and man page, made from {@link ExitCode} (the
 * README's table is checked against the same enum by ReadmeTest). A resource bundle because that
 * is how picocli lets a computed list reach the annotation model that picocli-codegen's
 * ManPageGenerator reads: {@code usage.exitCodeListHeading} and {@code usage.exitCodeList.N}
 * ({@code "CODE:MEANING"}), unqualified so every subcommand inherits them (picocli's
 * "Internationalization" section, keys without a command prefix apply to all commands).
 */
public final class ExitCodes extends ListResourceBundle {
    /** The heading picocli prints above the table (help) and uses as the man page's section title. */
    static final String HEADING = "Exit codes:%n";

    @Override
    protected Object[][] getContents() {
        List<Object[]> rows = new ArrayList<>();
        rows.add(new Object[] {"usage.exitCodeListHeading", HEADING});
        ExitCode[] codes = ExitCode.values();
        for (int i = 0; i < codes.length; i++) {
            // "%3d:%s" padded by hand: this runs at every start, and the formatter's %d loads the
            // locale data (CLDR) to find the zero digit (docs/benchmarks.md, start-up)
            String code = Integer.toString(codes[i].code());
            rows.add(new Object[] {"usage.exitCodeList." + i, " ".repeat(Math.max(0, 3 - code.length())) + code + ":" + codes[i].meaning()});
        }
        return rows.toArray(new Object[0][]);
    }
}
