package io.amibake.bake;

import java.time.Duration;
import java.util.Map;

/** What a bake tells the person or machine watching it. */
public interface BakeEvents {

    /** A run of a bake began: a new bake, or a resume in a new execution. */
    default void bakeStarted(long execution, String bakeId) {
    }

    void stepStarted(String step);

    void stepFinished(String step, String status, Duration took, String detail);

    /** Something worth a line of its own: an id created, a resource adopted, a warning. */
    void note(String step, String message);

    void bakeFinished(long execution, String status, Map<String, Object> summary);

    /**
     * A provisioning command ended on the build instance, successfully or not.
     *
     * @param stdoutTail the end of its standard output; the whole of it is kept by {@link CommandOutputs}
     */
    default void commandFinished(String step, String command, String status, int exitCode, String stdoutTail,
                                 String stderrTail) {
    }

    /** Events nobody reads. */
    BakeEvents NONE = new BakeEvents() {
        @Override
        public void stepStarted(String step) {
        }

        @Override
        public void stepFinished(String step, String status, Duration took, String detail) {
        }

        @Override
        public void note(String step, String message) {
        }

        @Override
        public void bakeFinished(long execution, String status, Map<String, Object> summary) {
        }
    };
}
