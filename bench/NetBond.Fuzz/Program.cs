using NetBond.Fuzz;

// fuzz TARGET               run TARGET under AFL (stdin/shared memory, persistent mode; see bench/fuzz/run)
// replay TARGET DIR [N]     every file of DIR, then N random mutations of them (property-based, no AFL)
// seed DIR                  write the starting corpora below DIR
if (args.Length >= 2 && args[0] == "fuzz" && FuzzTargets.All.TryGetValue(args[1], out Action<byte[]>? target))
{
    SharpFuzz.Fuzzer.Run(stream =>
    {
        using MemoryStream copy = new();
        stream.CopyTo(copy);
        target(copy.ToArray());
    });
    return 0;
}
if (args.Length >= 3 && args[0] == "replay" && FuzzTargets.All.ContainsKey(args[1]))
{
    int mutations = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 0;
    long cases = Replay.Run(args[1], args[2], mutations, seed: 1);
    Console.WriteLine($"{args[1]}: {cases} cases, no crash");
    return 0;
}
if (args.Length == 2 && args[0] == "seed")
{
    Seeds.Write(args[1]);
    return 0;
}
Console.Error.WriteLine($"usage: fuzz TARGET | replay TARGET DIR [N] | seed DIR   (targets: {string.Join(", ", FuzzTargets.All.Keys)})");
return 2;
