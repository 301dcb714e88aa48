package io.amibake.web;

import io.amibake.engine.api.BakeDetail;
import io.amibake.engine.api.BakeSummary;
import io.amibake.report.BakePage;
import io.amibake.schedule.RecipeFiles;
import io.amibake.schedule.ScheduleStore;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * The console's pages: the fleet, a recipe, a bake (live while it runs), signing in; and the
 * actions an operator may take, each checked (signed in, the session's CSRF token) and written to
 * the audit log, done or refused.
 */
@Controller
public class ConsoleController {

    private final Fleet fleet;
    private final Operators operators;
    private final AuditLog audit;
    private final LiveBakes live;
    private final RecipeImages images;
    private final String host;

    public ConsoleController(Fleet fleet, Operators operators, AuditLog audit, LiveBakes live, RecipeImages images,
                             Environment environment) {
        this.fleet = fleet;
        this.operators = operators;
        this.audit = audit;
        this.live = live;
        this.images = images;
        this.host = environment.getProperty("amibake.host", "");
    }

    private Console console(HttpServletRequest request) {
        return new Console(host, operators.operator(request), operators.csrf(request), operators.enabled(),
                request.getContextPath());
    }

    // ---- pages ----

    @GetMapping("/")
    public String fleet(HttpServletRequest request, Model model) {
        model.addAttribute("console", console(request));
        model.addAttribute("rows", fleet.rows());
        model.addAttribute("audit", audit.file());
        return "fleet";
    }

    /** The fleet's table alone: what the fleet page fetches again every few seconds. */
    @GetMapping("/fleet/rows")
    public String fleetRows(HttpServletRequest request, Model model) {
        model.addAttribute("console", console(request));
        model.addAttribute("rows", fleet.rows());
        return "fleet :: rows";
    }

    @GetMapping("/recipes/{name}")
    public String recipe(@PathVariable String name, HttpServletRequest request, Model model) {
        RecipeFiles.Version recipe = fleet.recipe(name)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no scheduled recipe " + name));
        List<BakeSummary> history = fleet.bakes().history(name, Fleet.NIGHTS);
        model.addAttribute("console", console(request));
        model.addAttribute("row", fleet.row(recipe));
        model.addAttribute("back", "/recipes/" + name);
        model.addAttribute("recipe", recipe);
        model.addAttribute("chart", RecipeChart.of(history, console(request).links()));
        model.addAttribute("slots", fleet.store().slots(name, 20).stream()
                .map(slot -> new SlotRow(Fleet.at(slot, recipe), slot)).toList());
        model.addAttribute("images", images.of(recipe.recipe(), fleet.target(),
                history.isEmpty() ? null : history.get(0).execution()));
        return "recipe";
    }

    /** A slot of a recipe's schedule, its time in the recipe's zone. */
    public record SlotRow(String at, ScheduleStore.Slot slot) {
    }

    @GetMapping("/bakes/{execution}")
    public String bake(@PathVariable long execution, HttpServletRequest request, Model model) {
        BakeDetail bake = fleet.bakes().detail(execution)
                .orElseThrow(() -> new ResponseStatusException(HttpStatus.NOT_FOUND, "no bake with execution "
                        + execution));
        Console console = console(request);
        model.addAttribute("console", console);
        model.addAttribute("page", new BakePage(bake, fleet.bakes().history(bake.recipe(), 20), console.links(),
                Instant.now()));
        model.addAttribute("liveUrl", console.path("/bakes/" + execution + "/live"));
        return "bake";
    }

    @GetMapping(path = "/bakes/{execution}/live", produces = "text/event-stream")
    public SseEmitter live(@PathVariable long execution, HttpServletRequest request) {
        Console console = console(request);
        return live.watch(execution, console, console.path("/bakes/" + execution + "/live"));
    }

    @GetMapping("/signin")
    public String signInPage(@RequestParam(defaultValue = "/") String next, HttpServletRequest request, Model model) {
        model.addAttribute("console", console(request));
        model.addAttribute("next", local(next));
        return "signin";
    }

    @PostMapping("/signin")
    public String signIn(@RequestParam(required = false) String token, @RequestParam(name = "_csrf", required = false)
                         String csrf, @RequestParam(defaultValue = "/") String next, HttpServletRequest request,
                         HttpServletResponse response, Model model, RedirectAttributes redirect) {
        String refused = operators.check(request, csrf);
        Optional<String> operator = refused != null ? Optional.empty() : operators.byToken(token);
        if (operator.isEmpty()) {
            audit.write(Instant.now(), null, request.getRemoteAddr(), "sign-in", null,
                    "refused: " + (refused != null ? refused : "unknown token"));
            response.setStatus(HttpStatus.FORBIDDEN.value());
            model.addAttribute("console", console(request));
            model.addAttribute("next", local(next));
            model.addAttribute("notice", new Console.Notice(refused != null ? refused
                    : "That token is not one of the operators' tokens (amibake.serve.tokens).", true));
            return "signin";
        }
        operators.signIn(request, operator.get());
        audit.write(Instant.now(), operator.get(), request.getRemoteAddr(), "sign-in", null, "done");
        redirect.addFlashAttribute("notice", new Console.Notice("Signed in as " + operator.get() + ".", false));
        return "redirect:" + local(next);
    }

    @PostMapping("/signout")
    public String signOut(@RequestParam(name = "_csrf", required = false) String csrf, HttpServletRequest request) {
        if (operators.check(request, csrf) == null) {
            audit.write(Instant.now(), operators.operator(request), request.getRemoteAddr(), "sign-out", null, "done");
            operators.signOut(request);
        }
        return "redirect:/";
    }

    /** Only a path of this console: a sign-in never sends its operator elsewhere. */
    private static String local(String next) {
        return next != null && next.startsWith("/") && !next.startsWith("//") && !next.contains("\\") ? next : "/";
    }

    // ---- actions ----

    @PostMapping("/recipes/{name}/run")
    public String run(@PathVariable String name, @RequestParam(name = "_csrf", required = false) String csrf,
                      @RequestParam(defaultValue = "/") String back, HttpServletRequest request,
                      HttpServletResponse response, Model model, RedirectAttributes redirect) {
        return act("run now", name, csrf, back, request, response, model, redirect, () -> {
            fleet.scheduler().runNow(name);
            return "A bake of " + name + " starts now.";
        });
    }

    @PostMapping("/recipes/{name}/pause")
    public String pause(@PathVariable String name, @RequestParam(name = "_csrf", required = false) String csrf,
                        @RequestParam(defaultValue = "/") String back, HttpServletRequest request,
                        HttpServletResponse response, Model model, RedirectAttributes redirect) {
        return act("pause", name, csrf, back, request, response, model, redirect, () -> fleet.scheduler().pause(name)
                ? "The schedule of " + name + " is paused: no slot runs until it is resumed."
                : "The schedule of " + name + " was paused already.");
    }

    @PostMapping("/recipes/{name}/resume")
    public String resume(@PathVariable String name, @RequestParam(name = "_csrf", required = false) String csrf,
                         @RequestParam(defaultValue = "/") String back, HttpServletRequest request,
                         HttpServletResponse response, Model model, RedirectAttributes redirect) {
        return act("resume", name, csrf, back, request, response, model, redirect, () -> fleet.scheduler().resume(name)
                ? "The schedule of " + name + " resumes: its next slot runs."
                : "The schedule of " + name + " was not paused.");
    }

    @PostMapping("/bakes/{execution}/stop")
    public String stop(@PathVariable long execution, @RequestParam(name = "_csrf", required = false) String csrf,
                       @RequestParam(defaultValue = "/") String back, HttpServletRequest request,
                       HttpServletResponse response, Model model, RedirectAttributes redirect) {
        return act("stop", "execution " + execution, csrf, back, request, response, model, redirect, () -> {
            fleet.bakes().stop(execution);
            return "Execution " + execution + " stops at its next look; it can resume.";
        });
    }

    private interface Action {
        String run() throws Exception;
    }

    /**
     * Does an action for a signed-in operator whose form carries the session's CSRF token, and
     * writes it to the audit log either way; a refusal answers 403.
     */
    private String act(String action, String subject, String csrf, String back, HttpServletRequest request,
                       HttpServletResponse response, Model model, RedirectAttributes redirect, Action body) {
        String who = operators.operator(request);
        String refused = who == null ? (operators.enabled() ? "not signed in: sign in with an operator's token"
                : "no operator token is set (amibake.serve.tokens): the console is read-only")
                : operators.check(request, csrf);
        if (refused != null) {
            audit.write(Instant.now(), who, request.getRemoteAddr(), action, subject, "refused: " + refused);
            response.setStatus(HttpStatus.FORBIDDEN.value());
            model.addAttribute("console", console(request));
            model.addAttribute("notice", new Console.Notice("Refused: " + refused + ".", true));
            return "refused";
        }
        String outcome;
        Console.Notice notice;
        try {
            String text = body.run();
            outcome = "done";
            notice = new Console.Notice(text, false);
        } catch (Exception e) {
            outcome = "failed: " + e.getMessage();
            notice = new Console.Notice("Could not " + action + " " + subject + ": " + e.getMessage(), true);
        }
        audit.write(Instant.now(), who, request.getRemoteAddr(), action, subject, outcome);
        redirect.addFlashAttribute("notice", notice);
        return "redirect:" + local(back);
    }
}
