package io.amibake.report;

import java.util.Map;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.spring6.SpringTemplateEngine;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

/**
 * A bake's report as one HTML file that needs nothing else: styles inline, charts as inline SVG,
 * no script, no font, no image fetched. It is the bake's page of {@code amibake serve}'s console
 * ({@code templates/bake.html}), rendered here without a web server; reports of the same recipe
 * link to each other by file name ({@code BAKE-ID.html}), so a directory of reports can be browsed.
 */
public final class HtmlReport {

    private static final TemplateEngine TEMPLATES = engine();

    private HtmlReport() {
    }

    private static TemplateEngine engine() {
        ClassLoaderTemplateResolver templates = new ClassLoaderTemplateResolver(HtmlReport.class.getClassLoader());
        templates.setPrefix("templates/");
        templates.setSuffix(".html");
        templates.setTemplateMode(TemplateMode.HTML);
        templates.setCharacterEncoding("UTF-8");
        // The console's own engine uses Spring's expressions; the same here, without a Spring context.
        SpringTemplateEngine engine = new SpringTemplateEngine();
        engine.setTemplateResolver(templates);
        return engine;
    }

    /** The page of a bake, to be written to a file. */
    public static String render(BakePage page) {
        if (page.links().live()) {
            throw new IllegalArgumentException("a report file links to files, not to a console");
        }
        return TEMPLATES.process("bake", new Context(java.util.Locale.ROOT, Map.of("page", page)));
    }
}
