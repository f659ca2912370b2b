// reqwire's package root. The Requests-style API (Session, get, post, Response …) lands here;
// until then the root exposes the HTTP/1.1 wire layer it is built on.

export * as http1 from './http1/index.js'
