package dev.kboot.harness.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kboot.harness.expunge.SuiteExpunges;
import dev.kboot.harness.model.TestId;
import dev.kboot.harness.model.TestResult;
import dev.kboot.harness.parse.CommandParser;
import dev.kboot.launcher.KbootException;
import dev.kboot.launcher.guest.ExecResult;
import dev.kboot.launcher.guest.Guest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Plain commands judged by their exit status ({@link CommandParser}: 0 PASS, 4 SKIP as
 * kselftest's KSFT_SKIP, 124 TIMEOUT, anything else FAIL).
 *
 * <p>Profile key {@code tests}: a list of {@code {name, command, timeout?}}; names are the tests'
 * ids ({@code command/NAME}) and must be unique.
 */
final class CommandRunner implements SuiteRunner {
    @Override
    public String suite() {
        return "command";
    }

    @Override
    public Optional<String> unavailable(Guest guest, Profile profile) {
        return Optional.empty();
    }

    @Override
    public Plan plan(Guest guest, Profile profile, SuiteExpunges expunges, Timeouts timeouts) {
        Duration timeout = timeouts.forProfile(profile);
        JsonNode list = profile.settings().path("tests");
        Path file = Path.of(profile.source());
        if (!list.isArray() || list.isEmpty()) {
            throw KbootException.badInput(file, "tests", "expected a non-empty list of {name, command, timeout?}");
        }
        List<PlannedTest> tests = new ArrayList<>();
        List<TestResult> expunged = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode t = list.get(i);
            String name = t.path("name").asText("");
            String command = t.path("command").asText("");
            if (name.isBlank() || command.isBlank() || !name.matches("[A-Za-z0-9_.+:-]+")) {
                throw KbootException.badInput(file, "tests[" + i + "]", "expected a name (letters, digits, _ . + : -) and a command");
            }
            if (!names.add(name)) {
                throw KbootException.badInput(file, "tests[" + i + "].name", "'" + name + "' is used twice");
            }
            Duration d = t.hasNonNull("timeout") ? timeouts.scale(profile.duration("tests[" + i + "].timeout", t.get("timeout").asText())) : timeout;
            TestId id = TestId.of(suite(), name);
            Optional<TestResult> ex = Runners.expunged(expunges, id);
            if (ex.isPresent()) {
                expunged.add(ex.get());
            } else {
                tests.add(new PlannedTest(id, command, d));
            }
        }
        return new Plan(tests, expunged);
    }

    @Override
    public List<TestResult> judge(Guest guest, PlannedTest test, ExecResult r) {
        if (r.ending() == ExecResult.Ending.TIMED_OUT) {
            return List.of(Runners.timedOut(test, r));
        }
        return List.of(CommandParser.judge(test.id().local(), r.shellStatus(), Runners.output(r), r.duration().toMillis()));
    }
}
