namespace ApiRoutes.Hosting;

/// <summary>
/// Whether <c>MapApiRoutes</c> has mapped the app's routes: an app of its own whose Program.cs never calls it answers
/// 404 on every route (AR0105 warns at build), and ApiRoutes.Testing says so rather than "is it a background route of
/// this app?" (review 46g F3).
/// </summary>
internal sealed class ApiRoutesMapping
{
    private volatile bool _mapped;

    public bool Mapped => _mapped;

    internal void Mark() => _mapped = true;
}
