namespace NetBond.Linux.Bpf;

/// <summary>
/// The kernel data path's programs, loaded and verified once for every kernel-path bond of the daemon, whatever its
/// namespace, and the ids that tell the bonds apart (each bond's filters carry its id as their classid; its maps sit
/// at that id in the maps of maps). Held while some bond uses them: the last one gone, the descriptors close, and
/// the next bond loads them again.
/// </summary>
public sealed class SharedPrograms : IDisposable
{
    private static readonly object s_lock = new();
    private static SharedPrograms? s_current;

    private readonly HashSet<uint> _ids = [];
    private int _users;

    private SharedPrograms(BpfLoader loader) => Loader = loader;

    public BpfLoader Loader { get; }

    /// <summary>The daemon's programs, loaded now if no bond holds them. Pair with <see cref="Dispose"/>.</summary>
    public static SharedPrograms Acquire(Func<BpfLoader> load) => Acquire(() => new SharedPrograms(load()), _ => { });

    /// <summary>
    /// The programs a previous daemon left running with bonds on them, whose maps (of every bond) this daemon takes
    /// over; when this daemon already holds programs, those must be the ones that use the same maps.
    /// </summary>
    /// <exception cref="InvalidDataException">The bond's programs use other maps than the daemon's.</exception>
    public static SharedPrograms AcquireAdopted(Func<BpfLoader> adopt, IReadOnlyCollection<uint> mapIds) =>
        Acquire(() => new SharedPrograms(adopt()), held =>
        {
            if (!mapIds.All(held.Loader.MapIds.Contains))
            {
                throw new InvalidDataException("its programs use other maps than this daemon's");
            }
        });

    private static SharedPrograms Acquire(Func<SharedPrograms> make, Action<SharedPrograms> check)
    {
        lock (s_lock)
        {
            if (s_current != null)
            {
                check(s_current);
            }
            s_current ??= make();
            s_current._users++;
            return s_current;
        }
    }

    /// <summary>The lowest id no bond has (0 is a test run's).</summary>
    /// <exception cref="InvalidDataException">All <see cref="BpfContract.MaxBonds"/> ids are taken.</exception>
    public uint NewId()
    {
        lock (s_lock)
        {
            for (uint id = 1; id < BpfContract.MaxBonds; id++)
            {
                if (_ids.Add(id))
                {
                    return id;
                }
            }
            throw new InvalidDataException($"the kernel data path serves at most {BpfContract.MaxBonds - 1} bonds");
        }
    }

    /// <summary>An adopted bond keeps the id its filters carry.</summary>
    public void Claim(uint id)
    {
        lock (s_lock)
        {
            if (id == 0 || id >= BpfContract.MaxBonds || !_ids.Add(id))
            {
                throw new InvalidDataException($"bond id {id} is not free");
            }
        }
    }

    public void Free(uint id)
    {
        lock (s_lock)
        {
            _ids.Remove(id);
        }
    }

    /// <summary>A bond is done with the programs; the last one closes them.</summary>
    public void Dispose()
    {
        lock (s_lock)
        {
            if (--_users > 0)
            {
                return;
            }
            s_current = null;
        }
        Loader.Dispose();
    }
}
