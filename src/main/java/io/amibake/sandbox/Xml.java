package io.amibake.sandbox;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/** A small streaming writer for EC2's XML answers. */
final class Xml {

    static final String EC2_NAMESPACE = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private final StringBuilder out = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    private final Deque<String> open = new ArrayDeque<>();

    static Xml response(String action, String requestId) {
        Xml xml = new Xml();
        xml.out.append('<').append(action).append("Response xmlns=\"").append(EC2_NAMESPACE).append("\">");
        xml.open.push(action + "Response");
        xml.el("requestId", requestId);
        return xml;
    }

    static String error(String code, String message, String requestId) {
        return new Xml().open("Response").open("Errors").open("Error").el("Code", code).el("Message", message)
                .close().close().el("RequestID", requestId).close().toString();
    }

    Xml open(String tag) {
        out.append('<').append(tag).append('>');
        open.push(tag);
        return this;
    }

    Xml close() {
        out.append("</").append(open.pop()).append('>');
        return this;
    }

    Xml el(String tag, Object value) {
        if (value == null) {
            return this;
        }
        String text = value instanceof Instant i ? formatTime(i) : String.valueOf(value);
        out.append('<').append(tag).append('>').append(escape(text)).append("</").append(tag).append('>');
        return this;
    }

    Xml tagSet(Map<String, String> tags) {
        if (tags.isEmpty()) {
            return this;
        }
        open("tagSet");
        tags.forEach((k, v) -> open("item").el("key", k).el("value", v).close());
        return close();
    }

    /** EC2's timestamp format, e.g. 2024-12-12T21:07:41.000Z. */
    static String formatTime(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).toString().replaceFirst("(\\d\\d:\\d\\d:\\d\\d)Z$", "$1.000Z");
    }

    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&apos;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        while (!open.isEmpty()) {
            close();
        }
        return out.toString();
    }
}
