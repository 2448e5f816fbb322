using Microsoft.Playwright;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>Debian's Chromium, headless, driven by Playwright: no browser is downloaded.</summary>
internal static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Path), $"The browser tests need Debian's Chromium at {Path}: apt-get install -y chromium (.ci/run does).");
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Path,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }
}
