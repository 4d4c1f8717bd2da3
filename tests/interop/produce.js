'use strict';

// Sends `count` messages with ali-ons: body "<prefix> #<i>" (message count-1 is
// padded past 4 KiB so ali-ons compresses it), tag "TagI", keys "key-<i> extra",
// user property interop=<i>. Prints {"i":..,"msgId":..,"queueId":..,"broker":..}
// per message, then {"done":count}. Exit 0 when all were stored.

const { Producer, Message } = require('ali-ons');
const { args, clientOptions } = require('./common');

const a = args([ 'namesrv', 'topic', 'group', 'count', 'prefix' ]);
const count = Number(a.count);

(async () => {
  const producer = new Producer(clientOptions(a.namesrv, { producerGroup: a.group }));
  await producer.ready();
  for (let i = 0; i < count; i++) {
    let body = `${a.prefix} #${i}`;
    if (i === count - 1) {
      body += ' ' + 'z'.repeat(6000);
    }
    const msg = new Message(a.topic, 'TagI', body);
    msg.keys = [ `key-${i}`, 'extra' ];
    msg.properties.interop = String(i);
    const r = await producer.send(msg);
    if (r.sendStatus !== 'SEND_OK') {
      throw new Error(`send ${i}: ${r.sendStatus}`);
    }
    console.log(JSON.stringify({ i, msgId: r.msgId, queueId: r.messageQueue.queueId,
      broker: r.messageQueue.brokerName }));
  }
  console.log(JSON.stringify({ done: count }));
  await producer.close();
  process.exit(0);
})().catch(err => {
  console.error(err);
  process.exit(1);
});
