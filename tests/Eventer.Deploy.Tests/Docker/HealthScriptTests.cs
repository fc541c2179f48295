using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Eventer.Deploy.Tests.Docker;

/// <summary>
/// deploy/docker/http-health, the images' HEALTHCHECK and compose's health check (the .NET images
/// have no curl or wget), run against a real HTTP server: 0 only for a 200 on the path asked.
/// </summary>
[Trait("Category", "Unit")]
public sealed class HealthScriptTests
{
    private static readonly string Script = RepositoryRoot.Combine("deploy", "docker", "http-health");

    [Fact]
    public async Task It_passes_on_200_and_fails_on_an_error_status_a_missing_path_and_a_closed_port()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/health/live", () => Results.Text("Healthy"));
        app.MapGet("/health/ready", () => Results.Text("Unhealthy", statusCode: 503));
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;

        Assert.Equal(0, await RunAsync(port, "/health/live"));
        Assert.Equal(1, await RunAsync(port, "/health/ready"));
        Assert.Equal(1, await RunAsync(port, "/nowhere"));
        Assert.Equal(1, await RunAsync(ClosedPort(), "/health/live"));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void It_is_executable_as_the_images_copy_it()
    {
        Assert.True(File.GetUnixFileMode(Script).HasFlag(UnixFileMode.OtherExecute), $"{Script} must be executable (git keeps the mode; COPY keeps it)");
    }

    private static async Task<int> RunAsync(int port, string path)
    {
        var start = new ProcessStartInfo(Script) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(path);
        start.Environment["Http__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(deadline.Token);
        return process.ExitCode;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
