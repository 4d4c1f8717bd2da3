'use strict';

// Consumes `topic` with ali-ons (group `group`, from the first offset) until
// `count` different message bodies arrived or `timeoutMs` passed. Prints one
// JSON line per delivery: body (text; long bodies as length + head), tags,
// keys, the "interop" and "UNIQ_KEY" properties, msgId, reconsumeTimes. Exit 0
// when all arrived, 1 on timeout.

const { Consumer } = require('ali-ons');
const { args, clientOptions } = require('./common');

const a = args([ 'namesrv', 'topic', 'group', 'count', 'timeoutMs' ]);
const count = Number(a.count);
const seen = new Set();

const consumer = new Consumer(clientOptions(a.namesrv, {
  consumerGroup: a.group,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  persistent: true,
}));

let finished = false;

async function finish(code) {
  if (finished) {
    return;
  }
  finished = true;
  try {
    await consumer.close();
  } catch (err) {
    console.error(err);
  }
  process.exit(code);
}

consumer.subscribe(a.topic, '*', async msg => {
  const body = msg.body.toString();
  const line = {
    body: body.length > 64 ? body.slice(0, 64) : body,
    bodyLength: msg.body.length,
    tags: msg.tags || null,
    keys: msg.keys || null,
    interop: msg.properties.interop || null,
    uniqKey: msg.properties.UNIQ_KEY || null,
    msgId: msg.msgId,
    reconsumeTimes: msg.reconsumeTimes,
  };
  console.log(JSON.stringify(line));
  seen.add(body);
  if (seen.size >= count) {
    setImmediate(() => finish(0));
  }
});

consumer.on('error', err => console.error(err));
setTimeout(() => finish(1), Number(a.timeoutMs));
