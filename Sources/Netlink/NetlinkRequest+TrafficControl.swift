extension NetlinkRequest {
    /// `tcmsg`: family, pads, index, handle, parent, info (20 bytes).
    static func tcHeader(index: Int32, handle: UInt32, parent: UInt32, info: UInt32) -> [UInt8] {
        var header = NetlinkWriter()
        header.u8(Netlink.familyUnspecified)
        header.u8(0)
        header.u16(0)
        header.i32(index)
        header.u32(handle)
        header.u32(parent)
        header.u32(info)
        return header.bytes
    }

    /// RTM_NEWQDISC: an `ingress` qdisc (handle ffff:, parent TC_H_INGRESS) on the link.
    package static func addIngressQdisc(index: Int32) -> NetlinkRequest {
        var body = NetlinkWriter()
        body.raw(
            tcHeader(index: index, handle: Netlink.tcIngressHandle, parent: Netlink.tcIngressParent, info: 0))
        body.attribute(Netlink.tcKind, string: "ingress")
        body.attribute(Netlink.tcOptions, [])
        return NetlinkRequest(
            type: Netlink.newQdisc, flags: change | Netlink.create | Netlink.exclusive, body: body.bytes)
    }

    /// RTM_DELQDISC of the link's ingress qdisc (its filters go with it).
    package static func deleteIngressQdisc(index: Int32) -> NetlinkRequest {
        NetlinkRequest(
            type: Netlink.deleteQdisc, flags: change,
            body: tcHeader(
                index: index, handle: Netlink.tcIngressHandle, parent: Netlink.tcIngressParent, info: 0))
    }

    /// RTM_NEWTFILTER on the ingress qdisc of `index`: u32, priority 1, every protocol, one
    /// match-everything key (mask 0), terminal, with one `mirred` action that redirects each
    /// packet out of `target` (TCA_EGRESS_REDIR, TC_ACT_STOLEN): upstream's tcfilter model.
    package static func addRedirectFilter(index: Int32, to target: Int32) -> NetlinkRequest {
        var body = NetlinkWriter()
        // tcm_info = TC_H_MAKE(priority << 16, htons(protocol)).
        let info = UInt32(1) << 16 | UInt32(Netlink.allProtocols.byteSwapped)
        body.raw(tcHeader(index: index, handle: 0, parent: Netlink.tcIngressHandle, info: info))
        body.attribute(Netlink.tcKind, string: "u32")
        body.nested(Netlink.tcOptions) { options in
            // struct tc_u32_sel (16 bytes) + one struct tc_u32_key (16 bytes).
            var selector = NetlinkWriter()
            selector.u8(Netlink.u32Terminal)  // flags
            selector.u8(0)  // offshift
            selector.u8(1)  // nkeys
            selector.u8(0)
            selector.be16(0)  // offmask
            selector.u16(0)  // off
            selector.u16(0)  // offoff
            selector.u16(0)  // hoff
            selector.be32(0)  // hmask
            selector.be32(0)  // key mask: 0 matches everything
            selector.be32(0)  // key value
            selector.i32(0)  // key offset
            selector.i32(0)  // key offmask
            options.attribute(Netlink.u32Selector, selector.bytes)
            options.nested(Netlink.u32Actions) { actions in
                actions.nested(1) { action in
                    action.attribute(Netlink.actionKind, string: "mirred")
                    action.nested(Netlink.actionOptions) { mirred in
                        // struct tc_mirred: tc_gen (index, capab, action, refcnt, bindcnt),
                        // eaction, ifindex.
                        var parameters = NetlinkWriter()
                        parameters.u32(0)
                        parameters.u32(0)
                        parameters.i32(Netlink.actionStolen)
                        parameters.i32(0)
                        parameters.i32(0)
                        parameters.i32(Netlink.mirredEgressRedirect)
                        parameters.i32(target)
                        mirred.attribute(Netlink.mirredParameters, parameters.bytes)
                    }
                }
            }
        }
        return NetlinkRequest(
            type: Netlink.newFilter, flags: change | Netlink.create | Netlink.exclusive, body: body.bytes)
    }
}
