/**
 * Ringloom's JFR events (category "Ringloom"), all disabled unless a recording
 * enables them, as the settings file {@code io/ringloom/ringloom.jfc} does
 * (README, "Observability"). Each event's {@code start} answers null without
 * reading a clock or allocating while its event is disabled, so the hot path
 * pays one static load and a branch.
 */
package io.ringloom.rings.jfr;
