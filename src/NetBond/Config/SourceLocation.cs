namespace NetBond.Config;

/// <summary>Where a setting was written: reported as file:line, as compilers do.</summary>
internal sealed record SourceLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>Something wrong in a configuration file, with where it is.</summary>
internal sealed record ConfigProblem(SourceLocation Where, string Message)
{
    public override string ToString() => $"{Where}: {Message}";
}

/// <summary>One option=value as a file gave it.</summary>
internal sealed record OptionSetting(string Name, string Value, SourceLocation Where);
