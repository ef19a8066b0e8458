/**
 * The IEEE8021-CFM-MIB objects this subagent serves (read-only), built from a snapshot:
 *
 *   dot1agCfmMdTable          1.3.111.2.802.1.1.8.1.5.2   [MdIndex]
 *   dot1agCfmMaNetTable       1.3.111.2.802.1.1.8.1.6.1   [MdIndex, MaIndex]
 *   dot1agCfmMaMepListTable   1.3.111.2.802.1.1.8.1.6.3   [MdIndex, MaIndex, MepId]
 *   ieee8021CfmMaCompTable    1.3.111.2.802.1.1.8.1.6.4   [ComponentId = 1, MdIndex, MaIndex]
 *   dot1agCfmMepTable         1.3.111.2.802.1.1.8.1.7.1   [MdIndex, MaIndex, MepId]
 *   dot1agCfmLtrTable         1.3.111.2.802.1.1.8.1.7.2   [MdIndex, MaIndex, MepId, LtrSeqNumber, LtrReceiveOrder]
 *   dot1agCfmMepDbTable       1.3.111.2.802.1.1.8.1.7.3   [MdIndex, MaIndex, MepId, RMepId]
 *
 * Index columns are not-accessible (as in the MIB) and not served; read-create columns are
 * served read-only. Column numbers, types and enumerations are the MIB's (802.1Q clause 17);
 * docs/telemetry.md lists each served column.
 */
import { parseOid, type Oid } from '../agentx/pdu.js';
import type { LinktraceResult } from '../../engine/mep-lt.js';
import { mepMac } from '../../offload/voe-spec.js';
import type { ManagerObserver } from '../observer.js';
import type { MepView, TelemetrySnapshot } from '../snapshot.js';
import {
  DEFECT_BIT, FNG_STATE_CODE, HIGHEST_DEFECT_CODE, ID_PERMISSION_CODE, LTR_TABLE, MA_COMP_TABLE, MA_MEP_LIST_TABLE, MA_NET_TABLE,
  MD_TABLE, MEP_DB_TABLE, MEP_TABLE, MHF_CODE, REGISTERED_TABLES, RELAY_CODE, RMEP_STATE_CODE, truth,
} from './codes.js';
import { counter, gauge, hexOctets, int, macOctets, MibBuilder, type MibView, octets, ticks } from './view.js';

const entry = (table: string): Oid => [...parseOid(table), 1];
const MD = entry(MD_TABLE);
const MA = entry(MA_NET_TABLE);
const MA_MEPS = entry(MA_MEP_LIST_TABLE);
const MA_COMP = entry(MA_COMP_TABLE);
const MEP = entry(MEP_TABLE);
const LTR = entry(LTR_TABLE);
const MEPDB = entry(MEP_DB_TABLE);
export const SERVED_TABLES: Oid[] = REGISTERED_TABLES.map(parseOid);

/** RowStatus active(1). */
const ACTIVE = int(1);
/** The single bridge component of a kit switch (ieee8021CfmMaComponentId). */
export const COMPONENT_ID = 1;

export function buildCfmMib(snap: TelemetrySnapshot, observer: ManagerObserver | null): MibView {
  const b = new MibBuilder();
  for (const md of snap.mds) {
    const d = md.domain;
    const ix = [md.index];
    b.cell(MD, 2, ix, int(md.format));
    b.cell(MD, 3, ix, octets(md.name));
    b.cell(MD, 4, ix, int(d.level));
    // dot1agCfmMdMhfCreation has no defMHFdefer: an MD that defers has nothing to defer to.
    b.cell(MD, 5, ix, int(d.mhfCreation === 'defer' ? MHF_CODE.none : MHF_CODE[d.mhfCreation]));
    b.cell(MD, 6, ix, int(d.senderIdPermission === 'defer' ? ID_PERMISSION_CODE.none : ID_PERMISSION_CODE[d.senderIdPermission]));
    b.cell(MD, 7, ix, gauge(md.mas.length + 1));
    b.cell(MD, 8, ix, ACTIVE);
    for (const ma of md.mas) {
      const a = ma.assoc;
      const mx = [md.index, ma.index];
      b.cell(MA, 2, mx, int(ma.format));
      b.cell(MA, 3, mx, octets(ma.name));
      b.cell(MA, 4, mx, int(a.interval)); // Dot1agCfmCcmInterval = the PDU interval code
      b.cell(MA, 5, mx, ACTIVE);
      const cx = [COMPONENT_ID, md.index, ma.index];
      b.cell(MA_COMP, 2, cx, int(1)); // IEEE8021ServiceSelectorType vlanId(1)
      b.cell(MA_COMP, 3, cx, gauge(a.vlan)); // 0 = none (a port MA)
      b.cell(MA_COMP, 4, cx, int(MHF_CODE[a.mhfCreation]));
      b.cell(MA_COMP, 5, cx, int(ID_PERMISSION_CODE[a.senderIdPermission]));
      b.cell(MA_COMP, 6, cx, gauge(a.vlan ? 1 : 0));
      b.cell(MA_COMP, 7, cx, ACTIVE);
      for (const id of a.mepIds) b.cell(MA_MEPS, 2, [md.index, ma.index, id], ACTIVE);
    }
  }
  for (const v of snap.meps) mepRows(b, v);
  if (observer) {
    for (const [key, rec] of observer.linktraces) {
      const v = snap.byKey.get(key);
      if (v) ltrRows(b, v, rec.result);
    }
  }
  return b.view(SERVED_TABLES);
}

function defectBits(v: MepView): Uint8Array {
  let byte = 0;
  for (const d of v.row.defects) byte |= 0x80 >> DEFECT_BIT[d];
  return Uint8Array.of(byte);
}

function mepRows(b: MibBuilder, v: MepView): void {
  const c = v.config;
  const r = v.row;
  const ix = [v.mdIndex, v.maIndex, r.mepId];
  const e = v.engine;
  b.cell(MEP, 2, ix, int(0)); // dot1agCfmMepIfIndex: InterfaceIndexOrZero (ports are names here)
  b.cell(MEP, 3, ix, int(c.direction === 'down' ? 1 : 2));
  b.cell(MEP, 4, ix, gauge(c.vlan));
  b.cell(MEP, 5, ix, int(truth(r.enabled)));
  b.cell(MEP, 6, ix, int(FNG_STATE_CODE[r.fngState]));
  b.cell(MEP, 7, ix, int(truth(c.ccmEnabled)));
  b.cell(MEP, 8, ix, gauge(c.ccmLtmPriority));
  b.cell(MEP, 9, ix, macOctets(mepMac(c)));
  b.cell(MEP, 10, ix, int(c.lowestAlarmPriority));
  // TimeInterval is in hundredths of a second (SNMPv2-TC)
  b.cell(MEP, 11, ix, int(Math.round(c.fngAlarmTimeMs / 10)));
  b.cell(MEP, 12, ix, int(Math.round(c.fngResetTimeMs / 10)));
  b.cell(MEP, 13, ix, int(HIGHEST_DEFECT_CODE[r.highestDefect]));
  b.cell(MEP, 14, ix, octets(defectBits(v)));
  b.cell(MEP, 17, ix, counter(r.counters.seqErrors));
  b.cell(MEP, 18, ix, counter(r.counters.ccmTx));
  b.cell(MEP, 20, ix, counter(e?.lbrIn ?? 0));
  b.cell(MEP, 21, ix, counter(e?.lbrInOutOfOrder ?? 0));
  b.cell(MEP, 22, ix, counter(e?.lbrBadMsdu ?? 0));
  b.cell(MEP, 24, ix, counter(e?.unexpectedLtrIn ?? 0));
  b.cell(MEP, 25, ix, counter(e?.lbrOut ?? 0));
  b.cell(MEP, 45, ix, ACTIVE);
  for (const rm of r.remotes) {
    const dx = [...ix, rm.mepId];
    b.cell(MEPDB, 2, dx, int(RMEP_STATE_CODE[rm.state]));
    b.cell(MEPDB, 3, dx, ticks(0)); // dot1agCfmMepDbRMepFailedOkTime: not tracked (0 = never)
    b.cell(MEPDB, 4, dx, macOctets(rm.mac));
    b.cell(MEPDB, 5, dx, int(truth(rm.rdi)));
    b.cell(MEPDB, 6, dx, int(rm.portStatus));
    b.cell(MEPDB, 7, dx, int(rm.interfaceStatus));
  }
}

function ltrRows(b: MibBuilder, v: MepView, lt: LinktraceResult): void {
  for (const r of lt.replies) {
    const ix = [v.mdIndex, v.maIndex, v.row.mepId, lt.transactionId >>> 0, r.order];
    b.cell(LTR, 3, ix, gauge(r.ttl));
    b.cell(LTR, 4, ix, int(truth(r.forwarded)));
    b.cell(LTR, 5, ix, int(truth(r.terminalMep)));
    b.cell(LTR, 6, ix, hexOctets(r.lastEgressId, 8));
    b.cell(LTR, 7, ix, hexOctets(r.nextEgressId, 8));
    b.cell(LTR, 8, ix, int(RELAY_CODE[r.relayAction] ?? 1));
    if (r.ingressAction !== null) {
      b.cell(LTR, 13, ix, int(r.ingressAction));
      b.cell(LTR, 14, ix, macOctets(r.ingressMac));
    }
    if (r.egressAction !== null) {
      b.cell(LTR, 17, ix, int(r.egressAction));
      b.cell(LTR, 18, ix, macOctets(r.egressMac));
    }
  }
}
