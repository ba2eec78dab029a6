package io.ringloom.rings.layout;

/**
 * One field of a kernel struct: its C name, byte offset and width. Descriptors
 * list their fields so a test can check that no two overlap and that the
 * widths match the C types.
 */
public record Field(String name, long offset, int size) {}
