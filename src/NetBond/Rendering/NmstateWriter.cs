using System.Globalization;
using System.Net.Sockets;
using System.Text;
using NetBond.Core;
using NetBond.Linux;
using NetBond.Linux.Netlink;

namespace NetBond;

/// <summary>
/// `show --nmstate`: the running bonds as nmstate's desired state, which `netbond apply` takes back unchanged —
/// options that differ from the kernel's defaults, ports and their priority and queue-id, MTU, MAC, addresses.
/// </summary>
internal static class NmstateWriter
{
    public static string Render(BondRegistry registry)
    {
        StringBuilder y = new("interfaces:\n");
        foreach (BondRuntime runtime in registry.Bonds.OrderBy(b => b.Bond.Name, StringComparer.Ordinal))
        {
            BondSnapshot b = runtime.Snapshot();
            LinkInfo? link = registry.Netlink.GetLink(runtime.IfIndex);
            y.Append(CultureInfo.InvariantCulture, $"- name: {Scalar(b.Name)}\n  type: bond\n  state: up\n");
            if (link != null)
            {
                y.Append(CultureInfo.InvariantCulture, $"  mtu: {link.Mtu}\n  mac-address: {Scalar(b.Mac.ToString())}\n");
            }
            List<AddressInfo> addresses = [.. registry.Netlink.GetAddressInfo(runtime.IfIndex).Where(a => a.Permanent && !a.Address.IsIPv6LinkLocal)];
            foreach ((string key, AddressFamily family) in new[] { ("ipv4", AddressFamily.InterNetwork), ("ipv6", AddressFamily.InterNetworkV6) })
            {
                List<AddressInfo> mine = [.. addresses.Where(a => a.Address.AddressFamily == family)];
                y.Append(CultureInfo.InvariantCulture, $"  {key}:\n    enabled: {(mine.Count > 0 ? "true" : "false")}\n");
                if (mine.Count > 0)
                {
                    y.Append("    dhcp: false\n    address:\n");
                    foreach (AddressInfo a in mine)
                    {
                        y.Append(CultureInfo.InvariantCulture, $"    - ip: {Scalar(a.Address.ToString())}\n      prefix-length: {a.PrefixLength}\n");
                    }
                }
            }
            y.Append(CultureInfo.InvariantCulture, $"  link-aggregation:\n    mode: {Scalar(OptionTable.ModeName(b.Options.Mode))}\n");
            BondOptions defaults = new();
            List<string> changed = [.. OptionTable.Names.Where(n => n != "mode" && !OptionTable.IsModuleOnly(OptionTable.Assign(n, "").Option)
                && OptionTable.Show(b.Options, n) != OptionTable.Show(defaults, n))];
            if (changed.Count > 0)
            {
                y.Append("    options:\n");
                changed.ForEach(n => y.Append(CultureInfo.InvariantCulture, $"      {n}: {Scalar(OptionTable.Show(b.Options, n))}\n"));
            }
            if (b.Members.Count > 0)
            {
                y.Append("    port:\n");
                foreach (MemberSnapshot m in b.Members.OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    y.Append(CultureInfo.InvariantCulture, $"    - {Scalar(m.Name)}\n");
                }
            }
            List<MemberSnapshot> configured = [.. b.Members.Where(m => m.Prio != 0 || m.QueueId != 0).OrderBy(m => m.Name, StringComparer.Ordinal)];
            if (configured.Count > 0)
            {
                y.Append("    ports-config:\n");
                foreach (MemberSnapshot m in configured)
                {
                    y.Append(CultureInfo.InvariantCulture, $"    - name: {Scalar(m.Name)}\n      priority: {m.Prio}\n      queue-id: {m.QueueId}\n");
                }
            }
        }
        return y.ToString();
    }

    /// <summary>A number as it is, anything else double-quoted: no value can turn into YAML's true, null or a sexagesimal number.</summary>
    private static string Scalar(string text) =>
        text.Length > 0 && text.All(char.IsAsciiDigit) ? text : "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
