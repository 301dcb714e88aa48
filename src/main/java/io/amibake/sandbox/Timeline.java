package io.amibake.sandbox;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The states a resource passes through and the instants it enters them, some in the future. The
 * state at any instant is the last one entered by then; an action cuts the planned future and
 * plans a new one.
 */
final class Timeline {

    record Entry(Instant at, String state) {
    }

    private final List<Entry> entries = new ArrayList<>();

    Timeline(Instant at, String state) {
        entries.add(new Entry(at, state));
    }

    void then(Instant at, String state) {
        entries.add(new Entry(at, state));
    }

    /** Forgets every transition planned after {@code now}. */
    void cutAfter(Instant now) {
        entries.removeIf(e -> e.at().isAfter(now));
    }

    /** The last transition planned, past or future. */
    Entry last() {
        return entries.get(entries.size() - 1);
    }

    String stateAt(Instant now) {
        return current(now).state();
    }

    /** When the state current at {@code now} was entered. */
    Instant enteredAt(Instant now) {
        return current(now).at();
    }

    /** The first instant after {@code from} (up to {@code now}) at which the state is not {@code state}; null if none. */
    Instant firstLeaving(String state, Instant from, Instant now) {
        for (Entry e : entries) {
            if (e.at().isAfter(from) && !e.at().isAfter(now) && !e.state().equals(state)) {
                return e.at();
            }
        }
        return null;
    }

    /** The spans of {@code state} up to {@code now}, as pairs of [start, end) with end capped at now. */
    List<Instant[]> spans(String state, Instant now) {
        List<Instant[]> spans = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.at().isAfter(now)) {
                break;
            }
            if (e.state().equals(state)) {
                Instant end = i + 1 < entries.size() && !entries.get(i + 1).at().isAfter(now) ? entries.get(i + 1).at() : now;
                spans.add(new Instant[] {e.at(), end});
            }
        }
        return spans;
    }

    private Entry current(Instant now) {
        Entry current = entries.get(0);
        for (Entry e : entries) {
            if (!e.at().isAfter(now)) {
                current = e;
            }
        }
        return current;
    }
}
