-- wrk: a cross-origin GET from the allowed origin, proxied to the upstream.
wrk.method = "GET"
wrk.headers["Origin"] = "https://app.example.com"
