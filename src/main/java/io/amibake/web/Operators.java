package io.amibake.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Who may act, and the guard against requests forged by other sites. An operator signs in with
 * the token the settings give them ({@code amibake.serve.tokens.NAME}); the session then carries
 * their name. Every session has a random CSRF token of its own, which each form posts back
 * ({@code _csrf}) and {@link #check} compares in constant time; the session cookie is
 * {@code SameSite=Strict} and {@code HttpOnly} besides (docs/serve.md).
 */
@Component
public class Operators {

    static final String OPERATOR = "amibake.operator";
    static final String CSRF = "amibake.csrf";

    private final Map<String, String> tokens;
    private final SecureRandom random = new SecureRandom();

    public Operators(ServeSettings settings) {
        this.tokens = settings.tokens();
    }

    /** Whether anyone can act: some token is set. */
    public boolean enabled() {
        return !tokens.isEmpty();
    }

    /** The operator whose token this is; every token is compared, so the time says nothing. */
    public Optional<String> byToken(String token) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        byte[] given = token.getBytes(StandardCharsets.UTF_8);
        String found = null;
        for (Map.Entry<String, String> entry : tokens.entrySet()) {
            if (MessageDigest.isEqual(given, entry.getValue().getBytes(StandardCharsets.UTF_8))) {
                found = entry.getKey();
            }
        }
        return Optional.ofNullable(found);
    }

    /** The session's CSRF token, made with the session. */
    public String csrf(HttpServletRequest request) {
        HttpSession session = request.getSession(true);
        Object token = session.getAttribute(CSRF);
        if (token == null) {
            byte[] bytes = new byte[24];
            random.nextBytes(bytes);
            token = HexFormat.of().formatHex(bytes);
            session.setAttribute(CSRF, token);
        }
        return (String) token;
    }

    /** The signed-in operator of the request's session, or null. */
    public String operator(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        return session == null ? null : (String) session.getAttribute(OPERATOR);
    }

    /**
     * Signs the operator in: a new session id (the old one may have been planted), a new CSRF
     * token, and the name.
     */
    public void signIn(HttpServletRequest request, String operator) {
        request.getSession(true);
        request.changeSessionId();
        HttpSession session = request.getSession();
        session.removeAttribute(CSRF);
        session.setAttribute(OPERATOR, operator);
    }

    public void signOut(HttpServletRequest request) {
        HttpSession session = request.getSession(false);
        if (session != null) {
            session.invalidate();
        }
    }

    /** Why a posted form is refused, or null when its CSRF token is the session's. */
    public String check(HttpServletRequest request, String posted) {
        HttpSession session = request.getSession(false);
        Object expected = session == null ? null : session.getAttribute(CSRF);
        if (expected == null || posted == null || !MessageDigest.isEqual(posted.getBytes(StandardCharsets.UTF_8),
                ((String) expected).getBytes(StandardCharsets.UTF_8))) {
            return "the form's CSRF token is missing or not this session's; reload the page and try again";
        }
        return null;
    }
}
