using System.Net;

namespace NetBond.Core;

/// <summary>
/// Every bonding option the kernel has, typed, with the kernel's defaults (bond_options.c, bond_check_params).
/// Delays are kept in miimon ticks as the kernel keeps them; the *Ms properties give the shown value.
/// </summary>
public sealed class BondOptions
{
    public BondMode Mode { get; set; } = BondMode.BalanceRr;
    public int Miimon { get; set; }
    public int UpdelayTicks { get; set; }
    public int DowndelayTicks { get; set; }
    public int PeerNotifDelayTicks { get; set; }
    public bool UseCarrier { get; set; } = true;
    public int ArpInterval { get; set; }
    public List<IPAddress> ArpIpTargets { get; private set; } = [];
    public List<IPAddress> NsIp6Targets { get; private set; } = [];
    public ArpValidate ArpValidate { get; set; }
    public ArpAllTargets ArpAllTargets { get; set; }
    public int ArpMissedMax { get; set; } = 2;
    public string Primary { get; set; } = "";
    public PrimaryReselect PrimaryReselect { get; set; }
    public FailOverMac FailOverMac { get; set; }
    public XmitHashPolicy XmitHashPolicy { get; set; }
    public LacpRate LacpRate { get; set; }
    public bool LacpActive { get; set; } = true;
    public AdSelect AdSelect { get; set; }
    public int AdActorSysPrio { get; set; } = 65535;
    public MacAddress AdActorSystem { get; set; }
    public int AdUserPortKey { get; set; }
    public int MinLinks { get; set; }
    public int NumPeerNotif { get; set; } = 1;
    public int ResendIgmp { get; set; } = 1;
    public bool AllSlavesActive { get; set; }
    public int PacketsPerSlave { get; set; } = 1;
    public bool TlbDynamicLb { get; set; } = true;
    public int LpInterval { get; set; } = 1;
    public int TxQueues { get; set; } = 16;
    public DataPathChoice DataPath { get; set; }
    public bool CoupledControl { get; set; } = true;
    public bool BroadcastNeighbor { get; set; }
    public bool LacpStrict { get; set; }
    public bool LacpFallback { get; set; }
    public int LacpFallbackTimeout { get; set; } = 3;

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
