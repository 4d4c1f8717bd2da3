'use strict';

// Sends the messages a test describes, one by one with ali-ons, and reports
// what each send returned.
//
//   node alions_send.js '<json>' | @<file>
//
// Options: {"namesrv": "host:port", "group": "producer group",
//           "messages": [{"topic", "tags", "keys": [..], "props": {k: v},
//                         "flag": int, "bodyHex": "..."}]}
// Output, one line per message in order:
//   {"ev":"sent","i":n,"status","msgId","topic","broker","queueId","queueOffset"}
// then {"ev":"done","count":n}. Exit 0 when every message was stored
// (SEND_OK), 1 on the first failure (after printing {"ev":"error",...}).

const { Producer, Message } = require('ali-ons');
const { clientOptions, stderrLogger, emit, jsonArg } = require('./common');

const opts = jsonArg();

(async () => {
  const producer = new Producer(clientOptions(opts.namesrv, {
    producerGroup: opts.group,
    logger: stderrLogger,
  }));
  producer.on('error', err => console.error('[producer error]', err));
  await producer.ready();
  const messages = opts.messages || [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (!m.tags) {
      // ali-ons writes a missing tag as the property TAGS=null.
      throw new Error(`message ${i}: every message needs a tag`);
    }
    const msg = new Message(m.topic, m.tags, Buffer.from(m.bodyHex || '', 'hex'));
    if (m.keys) {
      msg.keys = m.keys;
    }
    for (const k of Object.keys(m.props || {})) {
      msg.properties[k] = m.props[k];
    }
    if (m.flag) {
      msg.flag = m.flag;
    }
    const r = await producer.send(msg);
    emit({
      ev: 'sent',
      i,
      status: r.sendStatus,
      msgId: r.msgId,
      topic: r.messageQueue.topic,
      broker: r.messageQueue.brokerName,
      queueId: Number(r.messageQueue.queueId),
      queueOffset: r.queueOffset,
    });
    if (r.sendStatus !== 'SEND_OK') {
      throw new Error(`send ${i}: ${r.sendStatus}`);
    }
  }
  emit({ ev: 'done', count: messages.length });
  await producer.close();
  process.exit(0);
})().catch(err => {
  emit({ ev: 'error', message: String(err && err.message), code: err && err.code });
  console.error(err);
  process.exit(1);
});
