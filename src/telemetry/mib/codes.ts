/**
 * IEEE8021-CFM-MIB values (IEEE 802.1Q clause 17; the project states the OIDs it serves and
 * does not ship the MIB text). Enumerations are the MIB's textual conventions, shared with the
 * Prometheus metrics so both show the same numbers.
 */
import type { DefectName, FngState, RmepState } from '../../engine/types.js';

/** ieee8021CfmMib */
export const CFM_MIB = '1.3.111.2.802.1.1.8';
/** dot1agNotifications.1: dot1agCfmFaultAlarm, OBJECTS { dot1agCfmMepHighestPrDefect }. */
export const FAULT_ALARM = `${CFM_MIB}.0.1`;
/** dot1agCfmMdTable (dot1agCfmMd 2), entry .1, index dot1agCfmMdIndex. */
export const MD_TABLE = `${CFM_MIB}.1.5.2`;
/** dot1agCfmMaNetTable (dot1agCfmMa 1), index MdIndex, MaIndex. */
export const MA_NET_TABLE = `${CFM_MIB}.1.6.1`;
/** dot1agCfmMaMepListTable (dot1agCfmMa 3), index MdIndex, MaIndex, MaMepListIdentifier. */
export const MA_MEP_LIST_TABLE = `${CFM_MIB}.1.6.3`;
/** ieee8021CfmMaCompTable (IEEE8021-CFM-V2-MIB, dot1agCfmMa 4), index ComponentId, MdIndex, MaIndex. */
export const MA_COMP_TABLE = `${CFM_MIB}.1.6.4`;
/** dot1agCfmMepTable (dot1agCfmMep 1), index MdIndex, MaIndex, MepIdentifier. */
export const MEP_TABLE = `${CFM_MIB}.1.7.1`;
/** dot1agCfmLtrTable (dot1agCfmMep 2), index MdIndex, MaIndex, MepIdentifier, LtrSeqNumber, LtrReceiveOrder. */
export const LTR_TABLE = `${CFM_MIB}.1.7.2`;
/** dot1agCfmMepDbTable (dot1agCfmMep 3), index MdIndex, MaIndex, MepIdentifier, MepDbRMepIdentifier. */
export const MEP_DB_TABLE = `${CFM_MIB}.1.7.3`;

/** The subtrees this subagent registers with the master agent. */
export const REGISTERED_TABLES = [MD_TABLE, MA_NET_TABLE, MA_MEP_LIST_TABLE, MA_COMP_TABLE, MEP_TABLE, LTR_TABLE, MEP_DB_TABLE] as const;

/** Dot1agCfmHighestDefectPri (802.1Q 20.1.2, 20.33.9). */
export const HIGHEST_DEFECT_CODE: Record<DefectName | 'none', number> = {
  none: 0, defRDICCM: 1, defMACstatus: 2, defRemoteCCM: 3, defErrorCCM: 4, defXconCCM: 5,
};
/** Dot1agCfmMepDefects BITS: bDefRDICCM(0) .. bDefXconCCM(4); bit 0 is the MSB of octet 0. */
export const DEFECT_BIT: Record<DefectName, number> = {
  defRDICCM: 0, defMACstatus: 1, defRemoteCCM: 2, defErrorCCM: 3, defXconCCM: 4,
};
/** Dot1agCfmFngState (802.1Q 20.35). */
export const FNG_STATE_CODE: Record<FngState, number> = {
  fngReset: 1, fngDefect: 2, fngReportDefect: 3, fngDefectReported: 4, fngDefectClearing: 5,
};
/** Dot1agCfmRemoteMepState (802.1Q 20.22). */
export const RMEP_STATE_CODE: Record<RmepState, number> = { idle: 1, start: 2, failed: 3, ok: 4 };
/** Dot1agCfmMhfCreation: defMHFnone(1), defMHFdefault(2), defMHFexplicit(3), defMHFdefer(4). */
export const MHF_CODE = { none: 1, default: 2, explicit: 3, defer: 4 } as const;
/** Dot1agCfmIdPermission: sendIdNone(1) .. sendIdDefer(5). */
export const ID_PERMISSION_CODE = { none: 1, chassis: 2, manage: 3, 'chassis-manage': 4, defer: 5 } as const;
/** Dot1agCfmRelayActionFieldValue (Table 21-27). */
export const RELAY_CODE: Record<string, number> = { rlyHit: 1, rlyFdb: 2, rlyMpdb: 3 };
/** TruthValue (SNMPv2-TC). */
export const truth = (b: boolean): number => (b ? 1 : 2);
