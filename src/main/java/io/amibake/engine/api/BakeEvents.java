package io.amibake.engine.api;

import java.time.Duration;
import java.util.Map;
import java.util.function.BiConsumer;

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
     * @param stdoutTail the end of its standard output; the whole of it is kept with the bake ({@code amibake logs})
     */
    default void commandFinished(String step, String command, String status, int exitCode, String stdoutTail,
                                 String stderrTail) {
    }

    /**
     * These events, with {@code started} told of the execution and the bake first when a run
     * begins: for whoever must know which execution a run is (a lock, a lease, a schedule's slot).
     */
    default BakeEvents whenStarted(BiConsumer<Long, String> started) {
        BakeEvents delegate = this;
        return new BakeEvents() {
            @Override
            public void bakeStarted(long execution, String bakeId) {
                started.accept(execution, bakeId);
                delegate.bakeStarted(execution, bakeId);
            }

            @Override
            public void stepStarted(String step) {
                delegate.stepStarted(step);
            }

            @Override
            public void stepFinished(String step, String status, Duration took, String detail) {
                delegate.stepFinished(step, status, took, detail);
            }

            @Override
            public void note(String step, String message) {
                delegate.note(step, message);
            }

            @Override
            public void commandFinished(String step, String command, String status, int exitCode,
                                        String stdoutTail, String stderrTail) {
                delegate.commandFinished(step, command, status, exitCode, stdoutTail, stderrTail);
            }

            @Override
            public void bakeFinished(long execution, String status, Map<String, Object> summary) {
                delegate.bakeFinished(execution, status, summary);
            }
        };
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
