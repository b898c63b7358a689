using System.Net;

namespace Trellis.Daemon.Access;

/// <summary>The dashboard's sign-in form: one field for the token, posted to <c>/login</c>, never put in an address.</summary>
internal static class SignInPage
{
    public static string Html(string? error) => $$"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><title>trellis: sign in</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
          body { font: 15px system-ui, sans-serif; background: #0f1419; color: #d8dee9; display: grid; place-items: center; min-height: 90vh; }
          form { background: #1a2129; padding: 24px 28px; border-radius: 8px; width: min(420px, 90vw); }
          h1 { font-size: 18px; margin: 0 0 12px; } p { color: #9aa5b1; margin: 0 0 14px; }
          input { width: 100%; box-sizing: border-box; padding: 8px; font: 14px monospace; margin-bottom: 12px; }
          button { padding: 7px 16px; } .error { color: #ff8a80; }
          code { color: #e5c07b; }
        </style></head>
        <body><form method="post" action="/login">
          <h1>trellis dashboard</h1>
          <p>This daemon needs its token. <code>trellis dashboard</code> prints a link with it; the daemon keeps it in <code>state_dir/dashboard.token</code>, readable by its owner only.</p>
          {{(error is null ? string.Empty : $"<p class=\"error\" id=\"error\">{WebUtility.HtmlEncode(error)}</p>")}}
          <input type="password" name="token" id="token" autocomplete="current-password" autofocus placeholder="token">
          <button type="submit" id="sign-in">Sign in</button>
        </form></body></html>
        """;
}
