// The package version, sent in the default User-Agent. A test checks it against package.json, so
// the two cannot drift apart without CI noticing.

export const VERSION = '0.1.0'
