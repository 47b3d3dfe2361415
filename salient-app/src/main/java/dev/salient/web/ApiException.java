package dev.salient.web;

import java.util.Map;

/** A request the API refuses, with the HTTP status and a message for people; becomes {@code {"error": "..."}}. */
public final class ApiException extends RuntimeException {
    private final int status;
    private final Map<String, String> headers;

    public ApiException(int status, String message) {
        this(status, message, Map.of());
    }

    public ApiException(int status, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.headers = Map.copyOf(headers);
    }

    public int status() {
        return status;
    }

    public Map<String, String> headers() {
        return headers;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    /** Request text as an error message quotes it: at most 40 characters. */
    static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    /** The worker pool and its queue are full: try again shortly. */
    public static ApiException busy(String message, int retryAfterSeconds) {
        return new ApiException(503, message, Map.of("Retry-After", Integer.toString(retryAfterSeconds)));
    }
}
