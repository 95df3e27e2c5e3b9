// Container networking (netavark + aardvark-dns): what the runtime core and the CLI may use.
export { NetworkStore, type NetworkStoreOptions, type CreateNetworkOptions, type NetworkTransaction } from "./network-store.js";
export { DEFAULT_NETWORK, type NetworkRecord, type NetworkAttachment } from "./network-record.js";
export { inspectNetwork, type NetworkInspect, type NetworkInspectContainer } from "./inspect-network.js";
export { connectContainer, checkAlias, checkBinaries, type ConnectOptions, type NetworkRequest } from "./connect-container.js";
export { checkRequestedAddress } from "./ipam.js";
export { disconnectContainer, type DisconnectOptions } from "./disconnect-container.js";
export { connectNetwork, type ConnectNetworkOptions } from "./connect-network.js";
export { disconnectNetwork, type DisconnectNetworkOptions } from "./disconnect-network.js";
export type { ContainerNetworkState, ContainerNetwork } from "./container-network-state.js";
export { createNetns, removeNetns, NETNS_DIR } from "./netns.js";
export { parsePublish, publishAll, formatPortMapping, hostRangeProblem, type PortMapping, type PortProtocol } from "./port-mapping.js";
export { containerHosts, containerResolvConf, type HostsIdentity, type ResolvConfOptions } from "./container-etc-files.js";
export { NETAVARK_BINARY, AARDVARK_BINARY } from "./netavark.js";
export { setDnsAliasesEnabled } from "./dns-aliases.js";
export {
  NetworkNotFoundError, AmbiguousNetworkError, NetworkExistsError, NetworkInUseError, SubnetOverlapError,
  AddressPoolExhaustedError, AddressInUseError, AlreadyConnectedError, NotConnectedError, PortInUseError, NetworkSetupError, NetworkRecordError, DnsEntryNotFoundError,
} from "./errors.js";
