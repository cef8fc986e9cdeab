using System.Buffers.Binary;
using System.Globalization;
using System.Net;

namespace NetBond.Linux;

/// <summary>
/// A device's IPv4 multicast memberships and IGMP version, as /proc/net/igmp lists them — read through thread-self,
/// which shows the namespace the calling thread entered (/proc/net is the process's first thread's).
/// </summary>
public static class MulticastGroups
{
    /// <summary>
    /// The groups <paramref name="device"/> has joined and whether it speaks IGMPv3. A group is printed as the
    /// __be32 read as a host-order number, so on this little-endian machine its bytes come back reversed.
    /// </summary>
    public static (List<IPAddress> Groups, bool Version3) Read(string device, string path = "/proc/thread-self/net/igmp")
    {
        List<IPAddress> groups = [];
        bool version3 = true;
        bool inDevice = false;
        foreach (string line in File.ReadLines(path).Skip(1))
        {
            if (!line.StartsWith('\t'))
            {
                string[] head = line.Split((char[])['\t', ' ', ':'], StringSplitOptions.RemoveEmptyEntries);
                inDevice = head.Length >= 2 && head[1] == device;
                if (inDevice)
                {
                    version3 = !head.Contains("V2") && !head.Contains("V1");
                }
                continue;
            }
            string[] fields = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            if (inDevice && fields.Length > 0 && uint.TryParse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint raw))
            {
                byte[] bytes = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes, raw);
                groups.Add(new IPAddress(bytes));
            }
        }
        return (groups, version3);
    }
}
