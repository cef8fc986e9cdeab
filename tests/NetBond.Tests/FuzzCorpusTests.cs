using NetBond.Fuzz;

namespace NetBond.Tests;

/// <summary>
/// The short fuzzing run of CI: every fuzz target over the corpus kept in bench/fuzz/corpus (seeds and what AFL
/// found) and a few thousand random mutations of it, with a fresh seed each run, printed on failure. The long,
/// coverage-guided run is bench/fuzz/run.
/// </summary>
public class FuzzCorpusTests
{
    public static TheoryData<string> Targets => [.. FuzzTargets.All.Keys];

    [Theory]
    [MemberData(nameof(Targets))]
    public void The_kept_corpus_and_its_mutations_run_without_a_crash(string target)
    {
        int seed = Environment.TickCount & 0xFFFF;
        string corpus = Path.Combine(AppContext.BaseDirectory, "fuzz-corpus", target);
        long cases = 0;
        Exception? crash = Record.Exception(() => cases = Replay.Run(target, corpus, mutations: 3000, seed));
        Assert.True(crash == null, $"{target}, seed {seed}: {crash}");
        Assert.True(cases > 3000);
    }

    [Fact]
    public void A_malformed_answer_from_the_daemon_is_a_failure_that_says_so()
    {
        // Found by the control target: a JSON array as the answer threw in the CLI.
        (int exit, string output, string error) = ControlProtocol.DecodeResult("""["status"]"""u8.ToArray());
        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.Contains("malformed", error, StringComparison.Ordinal);
        Assert.Equal((0, "ok\n", ""), ControlProtocol.DecodeResult(ControlProtocol.EncodeResult(new CommandResult().Line("ok"))));
    }
}
