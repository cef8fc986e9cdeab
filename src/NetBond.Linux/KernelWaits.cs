namespace NetBond.Linux;

/// <summary>
/// Requests whose kernel side waits for a grace period before it answers — a change of a BPF map of maps
/// (synchronize_rcu), a link moved to another namespace (synchronize_net) — each take 10–30 ms here whatever they do.
/// Made from a thread each, their waits overlap: a batch costs about one.
/// </summary>
public static class KernelWaits
{
    /// <summary>Runs each request on a thread of its own (in the caller's network namespace, which a new thread inherits); rethrows the first failure.</summary>
    public static void Overlapped(IEnumerable<Action> requests)
    {
        List<Exception> failures = [];
        Thread[] threads = [.. requests.Select(request => new Thread(() =>
        {
            try
            {
                request();
            }
            catch (Exception e)
            {
                lock (failures)
                {
                    failures.Add(e);
                }
            }
        }))];
        foreach (Thread t in threads)
        {
            t.Start();
        }
        foreach (Thread t in threads)
        {
            t.Join();
        }
        if (failures.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failures[0]);
        }
    }
}
