using System.Net;

namespace NetBond.Core;

/// <summary>
/// Every bonding option the kernel has, with the kernel's defaults (bond_options.c, bond_check_params).
/// Delays are kept in miimon ticks as the kernel keeps them; the *Ms properties give the shown value.
/// </summary>
public sealed class BondOptions
{
    public BondMode Mode { get; set; } = BondMode.BalanceRr;
    public int Miimon { get; set; }
    public int UpdelayTicks { get; set; }
    public int DowndelayTicks { get; set; }
    public int PeerNotifDelayTicks { get; set; }
    public int UseCarrier { get; set; } = 1;
    public int ArpInterval { get; set; }
    public List<IPAddress> ArpIpTargets { get; private set; } = [];
    public List<IPAddress> NsIp6Targets { get; private set; } = [];
    public int ArpValidate { get; set; }
    public int ArpAllTargets { get; set; }
    public int ArpMissedMax { get; set; } = 2;
    public string Primary { get; set; } = "";
    public int PrimaryReselect { get; set; }
    public int FailOverMac { get; set; }
    public int XmitHashPolicy { get; set; }
    public int LacpRate { get; set; }
    public int LacpActive { get; set; } = 1;
    public int AdSelect { get; set; }
    public int AdActorSysPrio { get; set; } = 65535;
    public MacAddress AdActorSystem { get; set; }
    public int AdUserPortKey { get; set; }
    public int MinLinks { get; set; }
    public int NumPeerNotif { get; set; } = 1;
    public int ResendIgmp { get; set; } = 1;
    public int AllSlavesActive { get; set; }
    public int PacketsPerSlave { get; set; } = 1;
    public int TlbDynamicLb { get; set; } = 1;
    public int LpInterval { get; set; } = 1;
    public int TxQueues { get; set; } = 16;
    public int CoupledControl { get; set; } = 1;
    public int BroadcastNeighbor { get; set; }
    public int LacpStrict { get; set; }

    public int UpdelayMs => UpdelayTicks * Miimon;
    public int DowndelayMs => DowndelayTicks * Miimon;
    public int PeerNotifDelayMs => PeerNotifDelayTicks * Miimon;

    public BondOptions Clone()
    {
        BondOptions copy = (BondOptions)MemberwiseClone();
        copy.ArpIpTargets = [.. ArpIpTargets];
        copy.NsIp6Targets = [.. NsIp6Targets];
        return copy;
    }
}
