import { get } from './http'
import type { Activity, AddressBookEntry, AgencyTreeNode, Office, RegionTreeNode } from './types'

export const agencies = () => get<AgencyTreeNode>('/api/reference/agencies')
export const offices = () => get<Office[]>('/api/reference/offices')
export const addressBook = () => get<AddressBookEntry[]>('/api/reference/address-book')
export const unitNatures = () => get<string[]>('/api/reference/unit-natures')
export const certificateTypes = () => get<string[]>('/api/reference/certificate-types')
export const regions = () => get<RegionTreeNode>('/api/reference/regions')
export const activities = () => get<Activity[]>('/api/reference/activities')

/** Template downloads (same origin: plain links). */
export const MEMBER_TEMPLATE_URL = '/api/templates/members'
export const OVERAGE_PROOF_TEMPLATE_URL = '/api/templates/overage-proof'
