// Process identity lives in `content`, whose image-store leases need it too (a layer may import only
// from below); runtime's files keep importing it from here.
export { identityOf, identityOfSync, isRunning, selfIdentity, type ProcessIdentity } from "../content/index.js";
