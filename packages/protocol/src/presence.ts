import { Type, type Static } from '@sinclair/typebox';

/** Availability values follow Microsoft Graph's presence resource so Teams mode maps one to one. */
export const Availabilities = ['Available', 'Busy', 'DoNotDisturb', 'BeRightBack', 'Away', 'Offline'] as const;
export type Availability = (typeof Availabilities)[number];
export const Availability = Type.Union(Availabilities.map((a) => Type.Literal(a)));

/** A subset of Graph's activity values; more arrive with calls and meetings. */
export const Activities = ['Available', 'Away', 'BeRightBack', 'Busy', 'DoNotDisturb', 'InACall', 'InAMeeting', 'Presenting', 'Offline'] as const;
export type Activity = (typeof Activities)[number];
export const Activity = Type.Union(Activities.map((a) => Type.Literal(a)));

/** What a person may choose by hand; Offline and the in-call states come from what they do. */
export const ChosenAvailabilities = ['Available', 'Busy', 'DoNotDisturb', 'BeRightBack', 'Away'] as const;
export type ChosenAvailability = (typeof ChosenAvailabilities)[number];
export const ChosenAvailability = Type.Union(ChosenAvailabilities.map((a) => Type.Literal(a)));

/** Name-label colours by availability, shared by every renderer so the office reads the same everywhere. */
export const availabilityColour: Record<Availability, string> = {
  Available: '#6bb700',
  Busy: '#d13438',
  DoNotDisturb: '#a4262c',
  BeRightBack: '#ffaa44',
  Away: '#ffaa44',
  Offline: '#8a8886',
};
