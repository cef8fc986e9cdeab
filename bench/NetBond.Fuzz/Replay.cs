namespace NetBond.Fuzz;

/// <summary>Runs a target over a corpus and random mutations of it; any exception is a crash, reported with its input.</summary>
public static class Replay
{
    public static long Run(string target, string corpus, int mutations, int seed)
    {
        Action<byte[]> run = FuzzTargets.All[target];
        byte[][] inputs = [.. Directory.GetFiles(corpus).Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        if (inputs.Length == 0)
        {
            throw new InvalidOperationException($"{corpus}: empty corpus");
        }
        Random random = new(seed);
        long cases = 0;
        foreach (byte[] input in inputs)
        {
            Check(target, run, input);
            cases++;
        }
        for (int i = 0; i < mutations; i++)
        {
            Check(target, run, Mutate(inputs[random.Next(inputs.Length)], random));
            cases++;
        }
        return cases;
    }

    /// <summary>AFL's havoc in small: flips, random bytes, cuts, duplicated slices, inserted noise.</summary>
    public static byte[] Mutate(byte[] input, Random random)
    {
        List<byte> data = [.. input];
        for (int n = random.Next(1, 8); n > 0; n--)
        {
            int at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(6))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = (byte)random.Next(256);
                    break;
                case 2 when data.Count > 0:
                    data.RemoveRange(at, random.Next(data.Count - at + 1));
                    break;
                case 3 when data.Count > 0:
                    int length = random.Next(1, Math.Min(64, data.Count - at) + 1);
                    data.InsertRange(random.Next(data.Count + 1), data.GetRange(at, length));
                    break;
                default:
                    byte[] noise = new byte[random.Next(1, 32)];
                    random.NextBytes(noise);
                    data.InsertRange(at, noise);
                    break;
            }
        }
        return [.. data];
    }

    private static void Check(string target, Action<byte[]> run, byte[] input)
    {
        try
        {
            run(input);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{target} crashed on {Convert.ToHexString(input)}", e);
        }
    }
}
