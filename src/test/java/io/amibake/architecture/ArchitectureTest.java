package io.amibake.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.fields;
import static org.assertj.core.api.Assertions.assertThat;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Which package may import which: the layout of docs/architecture.md as rules. Each rule fails
 * when a class adds an import it forbids. The classes that still break a rule are named here, one
 * by one with the reason, so that the list only shrinks: a new class never joins it silently.
 */
class ArchitectureTest {

    /** The engine's packages from the top down: a package imports only those below it. */
    private static final List<String> ENGINE_LAYERS = List.of("run", "job", "read", "state", "wait", "store", "api");

    /** The capabilities around the engine: they speak to it through engine.api. */
    private static final List<String> CAPABILITIES = List.of("schedule", "lifecycle", "report", "notify", "metrics",
            "web");

    /**
     * Outside the engine, classes that still read the job repository's own types or engine
     * internals (status, the report, logs, plan, sweep, the scheduler's slot bookkeeping): the
     * read model does not cover what they print yet.
     */
    private static final Set<String> STILL_READING_EXECUTIONS = Set.of(
            "io.amibake.cli.AbandonCommand", "io.amibake.cli.BakeCommand", "io.amibake.cli.BakeContext",
            "io.amibake.cli.BakeFinder", "io.amibake.cli.BakeSession", "io.amibake.cli.CompletionCommand",
            "io.amibake.cli.ConsoleEvents", "io.amibake.cli.Failures", "io.amibake.cli.HomeOption",
            "io.amibake.cli.JoinedDataSource", "io.amibake.cli.JsonEvents", "io.amibake.cli.LogsCommand",
            "io.amibake.cli.PlanCommand", "io.amibake.cli.ReportCommand", "io.amibake.cli.RepositoryServerCommand",
            "io.amibake.cli.ResumeCommand", "io.amibake.cli.ScheduleCommand", "io.amibake.cli.StatusCommand",
            "io.amibake.cli.StatusJson", "io.amibake.cli.StopCommand",
            "io.amibake.cli.AmibakeConfiguration", "io.amibake.cli.RepositoryBusyException",
            "io.amibake.cli.AmibakeCommand", "io.amibake.cli.DamagedHome",
            "io.amibake.notify.Notifier",
            "io.amibake.schedule.LeftSlot", "io.amibake.schedule.Scheduler", "io.amibake.schedule.SlotBakes");

    /**
     * Static state the engine keeps on purpose: the secret values of the running bakes, which the
     * log appender (made by logback, not Spring) must reach to redact them.
     */
    private static final Set<String> STATIC_STATE_ALLOWED = Set.of("io.amibake.engine.store.BakeSecrets.BY_BAKE",
            // A test switch (AMIBAKE_CRASH_AFTER) that counts calls in the process it then kills.
            "io.amibake.engine.job.CrashPoints.CALLS");

    private static JavaClasses main;

    @BeforeAll
    static void importMainClasses() {
        main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.amibake");
    }

    @Test
    void noEnginePackageImportsOneAboveIt() {
        for (int lower = 1; lower < ENGINE_LAYERS.size(); lower++) {
            String[] above = ENGINE_LAYERS.subList(0, lower).stream().map(p -> "io.amibake.engine." + p + "..")
                    .toArray(String[]::new);
            noClasses().that().resideInAPackage("io.amibake.engine." + ENGINE_LAYERS.get(lower) + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(above)
                    .because("an engine package imports only the ones below it (docs/architecture.md)")
                    .check(main);
        }
    }

    @Test
    void nothingBelowTheEngineImportsItAndTheEngineImportsNoCapability() {
        noClasses().that().resideInAnyPackage("io.amibake.cloud..", "io.amibake.recipe..", "io.amibake.text..",
                        "io.amibake.sandbox..")
                .should().dependOnClassesThat().resideInAnyPackage(Stream.concat(
                        Stream.of("io.amibake.engine..", "io.amibake.cli.."), Stream.of(capabilities()))
                        .toArray(String[]::new))
                .check(main);
        noClasses().that().resideInAPackage("io.amibake.engine..")
                .should().dependOnClassesThat().resideInAnyPackage(Stream.concat(Stream.of("io.amibake.cli.."),
                        Stream.of(capabilities())).toArray(String[]::new))
                .because("capabilities hand the engine what it needs through engine.api (Retention)")
                .check(main);
    }

    @Test
    void noSpringBatchOutsideTheEngine() {
        noClasses().that().resideOutsideOfPackage("io.amibake.engine..").and(notYetMoved())
                .should().dependOnClassesThat().resideInAPackage("org.springframework.batch..")
                .check(main);
    }

    @Test
    void capabilitiesAndTheCommandLineSpeakToTheEngineThroughItsApiOnly() {
        noClasses().that().resideInAnyPackage(Stream.concat(Stream.of("io.amibake.cli.."),
                        Stream.of(capabilities())).toArray(String[]::new)).and(notYetMoved())
                .should().dependOnClassesThat().resideInAnyPackage("io.amibake.engine.run..",
                        "io.amibake.engine.job..", "io.amibake.engine.read..", "io.amibake.engine.state..",
                        "io.amibake.engine.wait..", "io.amibake.engine.store..")
                .check(main);
    }

    @Test
    void onlyTheCloudGatewaysAndTheSandboxSpeakTheAwsSdk() {
        noClasses().that().resideOutsideOfPackages("io.amibake.cloud..", "io.amibake.sandbox..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..")
                .check(main);
    }

    @Test
    void onlyTheCommandLineStartsTheSandbox() {
        noClasses().that().resideOutsideOfPackages("io.amibake.sandbox..", "io.amibake.cli..")
                .should().dependOnClassesThat().resideInAPackage("io.amibake.sandbox..")
                .check(main);
    }

    @Test
    void onlyTheCommandLineSpeaksPicocli() {
        noClasses().that().resideOutsideOfPackages("io.amibake.cli..", "io.amibake")
                .should().dependOnClassesThat().resideInAPackage("picocli..")
                .check(main);
    }

    @Test
    void theEngineHoldsNoRunStateInStaticFields() throws Exception {
        DescribedPredicate<JavaField> notAllowed = new DescribedPredicate<>("are not allowed by name") {
            @Override
            public boolean test(JavaField field) {
                return !STATIC_STATE_ALLOWED.contains(field.getOwner().getName() + "." + field.getName());
            }
        };
        ArchRule rule = fields().that().areDeclaredInClassesThat().resideInAPackage("io.amibake.engine..")
                .and().areStatic().and(notAllowed)
                .should().beFinal().andShould().notHaveRawType(Semaphore.class)
                .andShould().notHaveRawType(AtomicInteger.class).andShould().notHaveRawType(AtomicLong.class)
                .andShould().notHaveRawType(AtomicReference.class).andShould().notHaveRawType(ConcurrentHashMap.class)
                .because("run state lives in beans and in the job repository, per target (CopyLimits), never per JVM");
        rule.check(main);
        // A static collection may only be a constant: its value cannot change.
        for (JavaClass type : main) {
            if (!type.getPackageName().startsWith("io.amibake.engine")) {
                continue;
            }
            for (JavaField field : type.getFields()) {
                if (!field.getModifiers().contains(JavaModifier.STATIC) || !notAllowed.test(field)
                        || !(field.getRawType().isAssignableTo(Map.class)
                        || field.getRawType().isAssignableTo(Collection.class))) {
                    continue;
                }
                java.lang.reflect.Field reflected = field.reflect();
                reflected.setAccessible(true);
                Object value = reflected.get(null);
                assertThat(value == null ? "null" : value.getClass().getName())
                        .as("%s.%s holds state that can change", type.getName(), field.getName())
                        .matches("java\\.util\\.(ImmutableCollections|Collections)\\$.*(Immutable|Unmodifiable|Empty|List12|ListN|Set12|SetN|Map1|MapN|Singleton).*");
            }
        }
    }

    private static String[] capabilities() {
        return CAPABILITIES.stream().map(p -> "io.amibake." + p + "..").toArray(String[]::new);
    }

    private static DescribedPredicate<JavaClass> notYetMoved() {
        return new DescribedPredicate<>("are not listed as still reading executions") {
            @Override
            public boolean test(JavaClass type) {
                String top = type.getName().contains("$") ? type.getName().substring(0, type.getName().indexOf('$'))
                        : type.getName();
                return !STILL_READING_EXECUTIONS.contains(top);
            }
        };
    }
}
