package io.amibake;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** A clock the test sets or moves: what waits for time (slots, leases) comes when the test says so. */
public final class MutableClock extends Clock {

    private volatile Instant now;

    public MutableClock(String instant) {
        this.now = Instant.parse(instant);
    }

    public void set(String instant) {
        now = Instant.parse(instant);
    }

    public void advance(Duration by) {
        now = now.plus(by);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }

    @Override
    public Instant instant() {
        return now;
    }
}
