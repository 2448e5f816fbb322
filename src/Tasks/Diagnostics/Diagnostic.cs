namespace ApiRoutes.Tasks.Diagnostics;

internal enum DiagnosticSeverity
{
    Warning,
    Error,
}

/// <summary>A place in a file; lines and columns are 1-based, 0 where unknown.</summary>
internal sealed record SourceLocation(string File, int Line = 0, int Column = 0, int EndLine = 0, int EndColumn = 0)
{
    public override string ToString() => Line > 0 ? $"{File}({Line},{Column})" : File;
}

/// <summary>One finding of the analysis, with the code that README lists and where it is.</summary>
internal sealed record Diagnostic(DiagnosticDescriptor Descriptor, string Message, SourceLocation? Location)
{
    public string Code => Descriptor.Code;

    public DiagnosticSeverity Severity => Descriptor.Severity;

    public override string ToString() =>
        $"{Location?.ToString() ?? "ApiRoutes"}: {(Severity == DiagnosticSeverity.Error ? "error" : "warning")} {Code}: {Message}";
}

/// <summary>A diagnostic's code and severity.</summary>
internal sealed record DiagnosticDescriptor(string Code, DiagnosticSeverity Severity, string Title)
{
    /// <remarks>
    /// Messages quote what the project wrote (YAML keys and values, attribute arguments): every character that could
    /// break the line, colour the console or pass for another is escaped, so that a message is one line of the build's
    /// log and cannot pose as another diagnostic.
    /// </remarks>
    public Diagnostic Create(SourceLocation? location, string message) =>
        new(this, ApiRoutes.Bundling.BundlePath.Printable(message, MaxMessageLength), location);

    private const int MaxMessageLength = 8000;
}

/// <summary>Collects diagnostics in the order found.</summary>
internal sealed class DiagnosticBag
{
    private readonly List<Diagnostic> _items = [];
    private IReadOnlySet<string>? _suppressed;

    public IReadOnlyList<Diagnostic> Items => _items;

    public int ErrorCount { get; private set; }

    public bool HasErrors => ErrorCount > 0;

    /// <summary>
    /// Until the scope is disposed, leaves out warnings with these codes (those the source suppresses for the handler
    /// being checked: <c>Suppressions</c>); never an error.
    /// </summary>
    public SuppressionScope Suppressing(IReadOnlySet<string> codes)
    {
        var scope = new SuppressionScope(this, _suppressed);
        _suppressed = codes;
        return scope;
    }

    public void Add(DiagnosticDescriptor descriptor, SourceLocation? location, string message)
    {
        if (descriptor.Severity == DiagnosticSeverity.Warning && _suppressed?.Contains(descriptor.Code) == true)
        {
            return;
        }

        _items.Add(descriptor.Create(location, message));
        ErrorCount += descriptor.Severity == DiagnosticSeverity.Error ? 1 : 0;
    }

    internal void Restore(IReadOnlySet<string>? outer) => _suppressed = outer;
}

/// <summary>Ends a <see cref="DiagnosticBag.Suppressing"/> scope: the codes suppressed before it apply again.</summary>
internal readonly struct SuppressionScope(DiagnosticBag bag, IReadOnlySet<string>? outer) : IDisposable
{
    public void Dispose() => bag.Restore(outer);
}
