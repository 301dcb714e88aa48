package io.amibake.engine.job;

import io.amibake.engine.api.BakeEvents;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Events that keep a bake's notes, as "step: note", and nothing else. */
class NoteEvents implements BakeEvents {

    private final List<String> notes;

    NoteEvents(List<String> notes) {
        this.notes = notes;
    }

    @Override
    public void stepStarted(String step) {
    }

    @Override
    public void stepFinished(String step, String status, Duration took, String detail) {
    }

    @Override
    public void note(String step, String message) {
        notes.add(step + ": " + message);
    }

    @Override
    public void bakeFinished(long execution, String status, Map<String, Object> summary) {
    }
}
