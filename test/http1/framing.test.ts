import t from 'tap'
import { decideFraming } from '../../lib/http1/framing.js'

t.test('a 204 has no body whatever its Content-Length says', async t => {
  t.same(decideFraming({ requestMethod: 'GET', status: 204, version: '1.1', contentLength: ['10'], transferEncoding: [] }), { kind: 'none' })
})
