using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Eventer.Testing.Webhooks;

/// <summary>
/// The plumbing the chat-platform fakes share, so each fake's file holds only its platform's rules:
/// Kestrel on a free loopback port, reading a body whole (its exact bytes are what size limits and
/// records are about), holding an answer, dropping a connection.
/// </summary>
internal static class FakeHost
{
    public static WebApplication Build()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        return builder.Build();
    }

    /// <summary>Starts <paramref name="app"/> and returns http://127.0.0.1:port/.</summary>
    public static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return new Uri(app.Urls.Single().TrimEnd('/') + "/");
    }

    public static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    /// <summary>
    /// Waits <paramref name="delay"/> (real time) before an answer; false when the client went away or
    /// the fake is stopping, and then nothing should be written.
    /// </summary>
    public static async Task<bool> DelayAsync(HttpContext context, WebApplication app, TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero)
        {
            return true;
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, app.Lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(delay, stop.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Takes one from a counter other threads add to; false when it is already zero.</summary>
    public static bool TakeOne(ref int counter)
    {
        while (true)
        {
            var current = Volatile.Read(ref counter);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref counter, current - 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Parses UTF-8 JSON strictly (invalid UTF-8 and duplicate keys are errors, as in a real server's
    /// parser) and materialises the whole tree now, so a problem shows here rather than on first use.
    /// The JSON literal <c>null</c> parses, to null with no error.
    /// </summary>
    public static JsonNode? TryParse(byte[] body, out string? error)
    {
        try
        {
            var node = JsonNode.Parse(body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
            foreach (var _ in JsonWalk.Nodes(node))
            {
            }

            error = null;
            return node;
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            error = e.Message;
            return null;
        }
    }
}
