'use strict';

// One ali-ons push consumer, observed from outside: a test starts one or more
// of these, reads their stdout while they run, and stops them with a signal
// or lets them stop by themselves.
//
//   node alions_consume.js '<json>' | @<file>
//
// Options (defaults in brackets):
//   namesrv, topic, group         required
//   expr ["*"]                    tag expression ("TagA || TagB")
//   postSubscription [true]       send the expression with every pull (ali-ons
//                                 postSubscriptionWhenPull); false: the broker
//                                 filters by the subscription of the heartbeat
//   broadcast [false]             BROADCASTING instead of CLUSTERING
//   persistent [false]            broadcasting: keep offsets in a local file
//                                 ($HOME/.rocketmq_offsets_node/...)
//   instanceName                  client instance name (ali-ons: pid when
//                                 clustering, "DEFAULT" when broadcasting)
//   fromWhere ["CONSUME_FROM_FIRST_OFFSET"]
//   consumeTimestamp              for CONSUME_FROM_TIMESTAMP: "YYYYMMDDHHmmss" (local time)
//   idProp ["seq"]                property that identifies a message (else its msgId)
//   expect [0]                    stop after this many distinct ids (0: never) ...
//   settleMs [0]                  ... and this long after that (to catch duplicates)
//   stopAfter [0]                 stop (cleanly) after this many deliveries
//   handlerDelayMs [0]            each delivery takes this long
//   retrySeqs [[]]                ids whose first delivery (reconsumeTimes 0) the
//                                 handler refuses (Consumer.ACTION_RETRY: ali-ons
//                                 sends it back to the broker for a later retry)
//   timeoutMs [30000]             give up: exit 3
//   logPulls [false]              report every pull that found messages ("all":
//                                 every pull answer)
//   suspendMs [15000]             long-polling time asked for in pulls
//                                 (ali-ons brokerSuspendMaxTimeMillis)
//   rebalanceMs [1000], persistMs [1000]  ali-ons timers
//
// Output lines ({"ev": ...}):
//   ready   {clientId}                              consumer started
//   queues  {topic, queues: [{broker, queueId}]}    owned queues, after every change
//   rebalance {topic, n}                            a rebalance of the subscribed topic ended
//   start   {topic, broker, queueId, offset}        where a newly owned queue starts
//   pulling {topic, queueId, requested, at}        a pull request goes out (logPulls "all")
//   pull    {topic, queueId, status, requested, nextBeginOffset, maxOffset, ms, at,
//            msgs: [{queueOffset, tags, id}]}       its answer after `ms` milliseconds
//   msg     {id, topic, broker, queueId, queueOffset, commitLogOffset, msgId, tags,
//            keys, props, flag, sysFlag, reconsumeTimes, bornHost, storeHost,
//            bornTimestamp, storeTimestamp, receivedAt, bodyLen, bodyHex, action}
//            one per delivery (receivedAt: local clock when the handler ran)
//            (action "retry" when the handler refused it, else "ok")
//   error   {message}                               ali-ons reported an error
//   closing {reason}                                consumer.close() begins
//   closed  {reason, deliveries, distinct}          after consumer.close()
// SIGTERM closes the consumer cleanly (offsets persisted) and exits 0.

const { Consumer } = require('ali-ons');
const { clientOptions, stderrLogger, emit, jsonArg } = require('./common');

const o = Object.assign({
  expr: '*',
  postSubscription: true,
  broadcast: false,
  persistent: false,
  fromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  idProp: 'seq',
  expect: 0,
  settleMs: 0,
  stopAfter: 0,
  handlerDelayMs: 0,
  retrySeqs: [],
  timeoutMs: 30000,
  logPulls: false,
  suspendMs: 15000,
  rebalanceMs: 1000,
  persistMs: 1000,
}, jsonArg());

const extra = {
  consumerGroup: o.group,
  consumeFromWhere: o.fromWhere,
  isBroadcast: !!o.broadcast,
  persistent: !!o.persistent,
  rebalanceInterval: o.rebalanceMs,
  persistConsumerOffsetInterval: o.persistMs,
  brokerSuspendMaxTimeMillis: o.suspendMs,
  postSubscriptionWhenPull: !!o.postSubscription,
  logger: stderrLogger,
};
if (o.instanceName) {
  extra.instanceName = o.instanceName;
}
if (o.consumeTimestamp) {
  extra.consumeTimestamp = o.consumeTimestamp;
}
const consumer = new Consumer(clientOptions(o.namesrv, extra));

const retrySeqs = new Set(o.retrySeqs.map(String));
let deliveries = 0;
const seen = new Set();
let finished = false;
let settleTimer = null;

function queueList(topic) {
  const out = [];
  for (const v of consumer.processQueueTable.values()) {
    if (v.messageQueue.topic === topic) {
      out.push({ broker: v.messageQueue.brokerName, queueId: Number(v.messageQueue.queueId) });
    }
  }
  out.sort((a, b) => (a.broker === b.broker ? a.queueId - b.queueId : (a.broker < b.broker ? -1 : 1)));
  return out;
}

// Observation hooks on the consumer instance. One change of behaviour: no
// rebalance starts once closing began, and close() waits for a running one.
// ali-ons 3.12.0 close() empties its queue table while a rebalance may be
// running; that rebalance then takes every queue again (QUERY_CONSUMER_OFFSET
// over connections being closed) and the periodic persist may write a
// broadcasting offset file holding only those queues.
const lastQueues = new Map();
let rebalances = 0;
const running = new Set();
const origRebalance = consumer.rebalanceByTopic.bind(consumer);
consumer.rebalanceByTopic = topic => {
  if (finished) {
    return Promise.resolve();
  }
  const p = observedRebalance(topic);
  running.add(p);
  p.then(() => running.delete(p), () => running.delete(p));
  return p;
};
async function observedRebalance(topic) {
  await origRebalance(topic);
  const now = JSON.stringify(queueList(topic));
  if (lastQueues.get(topic) !== now) {
    lastQueues.set(topic, now);
    emit({ ev: 'queues', topic, queues: JSON.parse(now) });
  }
  if (topic === o.topic) {
    emit({ ev: 'rebalance', topic, n: ++rebalances });
  }
}
const origCompute = consumer.computePullFromWhere.bind(consumer);
consumer.computePullFromWhere = async mq => {
  const offset = await origCompute(mq);
  emit({ ev: 'start', topic: mq.topic, broker: mq.brokerName, queueId: Number(mq.queueId), offset });
  return offset;
};

async function finish(reason, code) {
  if (finished) {
    return;
  }
  finished = true;
  emit({ ev: 'closing', reason });
  try {
    await Promise.all(Array.from(running).map(p => p.catch(() => {})));
    await Promise.race([
      consumer.close(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('close timed out')), 5000)),
    ]);
  } catch (err) {
    console.error(err);
    code = code || 4;
  }
  emit({ ev: 'closed', reason, deliveries, distinct: seen.size });
  process.exit(code);
}

function hexOrNull(b) {
  return b ? b.toString('hex') : '';
}

consumer.subscribe(o.topic, o.expr, async (msg, mq) => {
  if (o.handlerDelayMs > 0) {
    await new Promise(resolve => setTimeout(resolve, o.handlerDelayMs));
  }
  const props = Object.assign({}, msg.properties);
  const id = props[o.idProp] !== undefined ? props[o.idProp] : msg.msgId;
  const action = retrySeqs.has(String(id)) && msg.reconsumeTimes === 0 ? 'retry' : 'ok';
  deliveries++;
  seen.add(id);
  emit({
    ev: 'msg',
    id,
    topic: msg.topic,
    broker: mq ? mq.brokerName : null,
    queueId: Number(msg.queueId),
    queueOffset: msg.queueOffset,
    commitLogOffset: msg.commitLogOffset,
    msgId: msg.msgId,
    tags: msg.tags === undefined ? null : msg.tags,
    keys: msg.keys === undefined ? null : msg.keys,
    props,
    flag: msg.flag,
    sysFlag: msg.sysFlag,
    reconsumeTimes: msg.reconsumeTimes,
    bornHost: msg.bornHost,
    storeHost: msg.storeHost,
    bornTimestamp: msg.bornTimestamp,
    storeTimestamp: msg.storeTimestamp,
    receivedAt: Date.now(),
    bodyLen: msg.body ? msg.body.length : 0,
    bodyHex: hexOrNull(msg.body),
    action,
  });
  if (o.stopAfter > 0 && deliveries >= o.stopAfter) {
    setImmediate(() => finish('stopAfter', 0));
  }
  if (o.expect > 0 && seen.size >= o.expect && !settleTimer) {
    settleTimer = setTimeout(() => finish('expect', 0), o.settleMs);
  }
  return action === 'retry' ? Consumer.ACTION_RETRY : undefined;
});

if (o.logPulls) {
  const client = consumer._mqClient;
  const origPull = client.pullMessage.bind(client);
  client.pullMessage = async (addr, header, timeout) => {
    const requested = header.queueOffset;
    const sentAt = Date.now();
    if (o.logPulls === 'all') {
      emit({ ev: 'pulling', topic: header.topic, queueId: Number(header.queueId), requested, at: sentAt });
    }
    const r = await origPull(addr, header, timeout);
    const at = Date.now();
    if (o.logPulls === 'all' || (r.msgFoundList && r.msgFoundList.length)) {
      emit({
        ev: 'pull',
        topic: header.topic,
        queueId: Number(header.queueId),
        status: r.pullStatus,
        requested,
        nextBeginOffset: r.nextBeginOffset,
        maxOffset: r.maxOffset,
        ms: at - sentAt,
        at,
        msgs: r.msgFoundList.map(m => ({
          queueOffset: m.queueOffset,
          tags: m.tags === undefined ? null : m.tags,
          id: m.properties[o.idProp] !== undefined ? m.properties[o.idProp] : m.msgId,
        })),
      });
    }
    return r;
  };
}

consumer.on('error', err => {
  emit({ ev: 'error', message: String(err && err.message) });
  console.error(err);
});

process.on('SIGTERM', () => finish('signal', 0));
setTimeout(() => finish('timeout', 3), o.timeoutMs);

consumer.ready().then(() => {
  emit({ ev: 'ready', clientId: consumer._mqClient.clientId });
}, err => {
  emit({ ev: 'error', message: String(err && err.message) });
  finish('failed', 1);
});
