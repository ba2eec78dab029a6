/** ringcopy, ringhttp and the plain blocking demo; they use only the facade's exported API. */
module io.ringloom.demos {
    requires io.ringloom;
}
