// Connect's public surface for server/, agent/ and proxy/: identity, the built-in CA, peer verification, SNI names
// and intentions. Everything here depends only on lib/; the intention code is a pure core.
// Importing this file loads the CA and its @peculiar/x509 (megabytes of heap for the life of the process). Code that
// runs in every client agent imports the files it needs instead (./spiffe.js, ./intentions/*.js, ./verify.js) and
// loads ./ca/csr.js on first use, as agent/connect/agent-connect.ts does; integration/client-agent-modules.test.ts
// fails if a client agent loads the CA before its first leaf request.

export { CA_CONFIG_DEFAULTS, type CaConfig, validateCaConfig } from './ca/config.js';
export { type CsrRequest, type GeneratedCsr, generateCsr } from './ca/csr.js';
export {
  CSR_PEM_BYTES_MAX,
  readCsr,
  type SignedLeaf,
  type SignLeafOptions,
  signLeaf,
  signLeafSync,
} from './ca/leaf.js';
export {
  admitCsr,
  CSR_RATE_LIMITED_MESSAGE,
  type CsrAdmission,
  type CsrLimiterState,
  initialCsrLimiterState,
  releaseCsr,
} from './ca/rate-limit.js';
export { type CaRoot, type CaSigner, caRootOf, type GenerateRootOptions, generateRoot, rfc3339 } from './ca/root.js';
export { CROSS_SIGNED_TTL_MS, crossSignRoot, isRootPrunable, type RotationResult, rotateRoot } from './ca/rotation.js';
export * from './errors.js';
export { type AuthorizeRequest, type AuthorizeResult, authorize } from './intentions/authorize.js';
export {
  intentionsFromServiceIntentions,
  normalizeServiceIntentions,
  SERVICE_INTENTIONS_KIND,
  type ServiceIntentionsEntry,
  type SourceIntention,
  serviceIntentionsFromIntentions,
  validateServiceIntentions,
} from './intentions/config-entry.js';
export {
  type CompiledPermission,
  compilePermissions,
  evaluatePermissions,
  type HttpRequestAttributes,
} from './intentions/l7.js';
export { checkIntention, checkIntentions, type MatchBy, matchIntentions } from './intentions/match.js';
export {
  type Intention,
  type IntentionAction,
  type IntentionInit,
  type IntentionPermission,
  intentionSummary,
  normalizeIntention,
  validateIntention,
} from './intentions/model.js';
export { compareIntentions, intentionPrecedence, sortIntentions } from './intentions/precedence.js';
export {
  compileIntentionTable,
  type DefaultSource,
  type IntentionDecision,
  type IntentionTable,
  type IntentionTableOptions,
  type RequestDecision,
  type ServiceRef,
} from './intentions/table.js';
export { datacenterOfSni, datacenterSni, peeredServiceSni, querySni, serverSni, serviceSni } from './sni.js';
export * from './spiffe.js';
export {
  type ExpectedService,
  parseCertificates,
  type TrustedRoots,
  trustedRoots,
  type VerifiedPeer,
  type VerifyPeerOptions,
  verifyPeerChain,
} from './verify.js';
