package io.amibake.web;

import io.amibake.report.BakePage;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * What every console page knows of its viewer: the host it serves, who is signed in, the session's
 * CSRF token for its forms, and the path the console is served under (behind a proxy's prefix).
 *
 * @param operator       the operator signed in, or null
 * @param actionsEnabled whether any operator token is set at all
 * @param base           the context path: empty, or a proxy's prefix such as {@code /amibake}
 */
public record Console(String host, String operator, String csrf, boolean actionsEnabled, String base) {

    /** A path of the console, under its base. */
    public String path(String path) {
        return base + path;
    }

    /** The console's pages as the bake page links to them. */
    public BakePage.Links links() {
        return new BakePage.Links() {
            @Override
            public String bake(String bakeId, long execution) {
                return path("/bakes/" + execution);
            }

            @Override
            public String recipe(String name) {
                return path("/recipes/" + URLEncoder.encode(name, StandardCharsets.UTF_8));
            }

            @Override
            public boolean live() {
                return true;
            }
        };
    }

    /** A message shown on top of the next page: what an action did, or why it was refused. */
    public record Notice(String text, boolean refused) {
    }
}
